//! Reading an engine image's bytes again, for the file viewer and extract:
//! the export once more, pinned by the image's id (a retag in between
//! cannot show another image), or one path of the final image through a
//! created, never-started container's archive API. Both are blocking
//! readers over the same engine thread and channel as the first export.

use std::io::Read;

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    DownloadFromContainerOptions, ListContainersOptions, RemoveContainerOptions,
};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::error::{EngineError, Failure, chain, failed};
use super::export::{CHANNEL_DEPTH, Chunk, EngineReader};
use super::session::{self, Request};
use super::{check_name, start_export};
use crate::error::{Error, Result};
use crate::source::engine::Endpoint;

/// How long removing the temporary container may take.
const REMOVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The label on peel's temporary containers (its value: peel's process id).
pub const CONTAINER_LABEL: &str = "io.github.peel.viewer";

/// The export (`docker save`) of the image `id` in the engine at
/// `endpoint`, as a blocking reader (and its size, when the engine says): stop
/// reading and drop it to end the export.
pub fn export_by_id(endpoint: &Endpoint, id: &str) -> Result<(Option<u64>, Box<dyn Read + Send>)> {
    check_name(id)?;
    let request = quiet_request(id);
    let (found, reader, _) = start_export(endpoint, request)?;
    Ok((found.size, Box::new(reader)))
}

/// The archive (a tar of one entry, named as the path's last component) of
/// `path` in a container created from the image `id` and never started; the
/// container is removed when the archive has been read or the reader
/// dropped, and when anything fails.
pub fn read_from_container(
    endpoint: &Endpoint,
    id: &str,
    path: &str,
) -> Result<Box<dyn Read + Send>> {
    check_name(id)?;
    let (setup_tx, setup_rx) = std::sync::mpsc::channel::<std::result::Result<(), EngineError>>();
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>(CHANNEL_DEPTH);
    let (at, id, path) = (endpoint.clone(), id.to_string(), path.to_string());
    let thread = std::thread::Builder::new()
        .name("peel-engine-archive".into())
        .spawn(move || match session::runtime() {
            Ok(runtime) => runtime.block_on(archive(&at, &id, &path, setup_tx, chunk_tx)),
            Err(e) => {
                let _ = setup_tx.send(Err(e));
            }
        })
        .map_err(|e| EngineError::from(Failure::ClientThread(e)))?;
    setup_rx.recv().map_err(|_| {
        Error::from(EngineError::from(Failure::ClientStopped {
            at: endpoint.clone(),
        }))
    })??;
    let (reader, _) = EngineReader::new(chunk_rx);
    Ok(Box::new(RemovedWhenDone {
        reader: Some(reader),
        thread: Some(thread),
    }))
}

/// The archive's reader; dropping it waits for the container's removal,
/// so that the container is gone once the caller is done.
struct RemovedWhenDone {
    reader: Option<EngineReader>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Read for RemovedWhenDone {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match &mut self.reader {
            Some(reader) => reader.read(buf),
            None => Ok(0),
        }
    }
}

impl Drop for RemovedWhenDone {
    fn drop(&mut self) {
        // The engine thread stops sending once the reader is gone.
        drop(self.reader.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn quiet_request(id: &str) -> Request {
    Request {
        name: id.to_string(),
        pull: false,
        platform: None,
        quiet: true,
    }
}

/// Create, download, remove: the removal runs whatever happened before it.
async fn archive(
    endpoint: &Endpoint,
    id: &str,
    path: &str,
    setup_tx: std::sync::mpsc::Sender<std::result::Result<(), EngineError>>,
    chunk_tx: mpsc::Sender<Chunk>,
) {
    let client = match session::prepare(endpoint, &quiet_request(id)).await {
        Ok((client, _)) => client,
        Err(e) => {
            let _ = setup_tx.send(Err(e));
            return;
        }
    };
    remove_left_behind(&client, endpoint).await;
    let body = ContainerCreateBody {
        image: Some(id.to_string()),
        // Never started; a command lets an image without one be created.
        cmd: Some(vec!["peel-viewer-never-started".into()]),
        network_disabled: Some(true),
        labels: Some([(CONTAINER_LABEL.to_string(), std::process::id().to_string())].into()),
        ..Default::default()
    };
    let container = match client.create_container(None, body).await {
        Ok(created) => created.id,
        Err(e) => {
            let _ = setup_tx.send(Err(failed(
                endpoint,
                "creating a container to read from",
                &e,
            )));
            return;
        }
    };
    if setup_tx.send(Ok(())).is_ok() {
        let options = DownloadFromContainerOptions {
            path: path.to_string(),
        };
        let mut stream = client.download_from_container(&container, Some(options));
        while let Some(next) = stream.next().await {
            let chunk = match next {
                Ok(bytes) => Chunk::Data(bytes),
                Err(e) => Chunk::Failed(match e {
                    e @ bollard::errors::Error::DockerResponseServerError { .. } => {
                        failed(endpoint, &format!("reading {path} from a container"), &e)
                    }
                    e => Failure::EndedBeforeAny {
                        at: endpoint.clone(),
                        text: chain(&e),
                    }
                    .into(),
                }),
            };
            let stop = matches!(chunk, Chunk::Failed(_));
            if chunk_tx.send(chunk).await.is_err() || stop {
                break;
            }
        }
    }
    remove(&client, &container).await;
}

/// Remove the container `id` and its anonymous volumes, within a bound.
async fn remove(client: &Docker, id: &str) {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    let removal = client.remove_container(id, Some(options));
    let _ = tokio::time::timeout(REMOVE_TIMEOUT, removal).await;
}

/// The temporary containers of a peel that was killed before it removed
/// its own: on an engine of this machine (a unix socket), those whose
/// labelled process is gone are removed now.
async fn remove_left_behind(client: &Docker, endpoint: &Endpoint) {
    if endpoint.socket().is_none() {
        return;
    }
    let options = ListContainersOptions {
        all: true,
        filters: Some([("label".to_string(), vec![CONTAINER_LABEL.to_string()])].into()),
        ..Default::default()
    };
    let listed = client.list_containers(Some(options));
    let Ok(Ok(containers)) = tokio::time::timeout(REMOVE_TIMEOUT, listed).await else {
        return;
    };
    for container in containers {
        let pid = container
            .labels
            .as_ref()
            .and_then(|l| l.get(CONTAINER_LABEL))
            .and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists());
        if let (true, Some(id)) = (gone, container.id.as_deref()) {
            remove(client, id).await;
        }
    }
}
