# shellcheck shell=bash
# Start three loopback registries (Debian's docker-registry, the CNCF
# distribution registry) for peel's registry tests, and export where they
# are. Meant to be sourced by .ci/run:
#
#   source .ci/start-registry.sh
#
# - PEEL_REGISTRY_PLAIN: plain HTTP;
# - PEEL_REGISTRY_TLS:   TLS with a certificate of a CA made here (PEEL_REGISTRY_CA);
# - PEEL_REGISTRY_AUTH:  htpasswd basic auth behind TLS (same certificate),
#   user PEEL_REGISTRY_USER, password PEEL_REGISTRY_PASSWORD (throwaway
#   test credentials, made here).
# Installs docker-registry and apache2-utils (htpasswd) when missing; reuses
# registries already answering; everything lives under /tmp/peel-registry.

peel_registry_dir="${PEEL_REGISTRY_DIR:-/tmp/peel-registry}"

peel_registry_start() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  local need=()
  command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  mkdir -p "$peel_registry_dir"
  local dir="$peel_registry_dir"
  if [ ! -f "$dir/ca.pem" ]; then
    # A CA, and the registry's certificate signed by it (rustls, as browsers,
    # refuses a CA certificate used as the server's own).
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" \
      -days 30 -subj "/CN=peel test CA" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.csr" \
      -subj /CN=127.0.0.1 >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$dir/cert.ext"
    openssl x509 -req -in "$dir/cert.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
      -CAcreateserial -days 30 -extfile "$dir/cert.ext" -out "$dir/cert.pem" >/dev/null 2>&1
  fi
  if [ ! -f "$dir/htpasswd" ]; then
    htpasswd -Bbn peel-test "peel-test-password" > "$dir/htpasswd"
  fi
  local name port extra
  for spec in plain:5071 tls:5072 auth:5073; do
    name=${spec%%:*}
    port=${spec##*:}
    extra=""
    if [ "$name" != plain ]; then
      extra="  tls: {certificate: $dir/cert.pem, key: $dir/key.pem}"
    fi
    if [ "$name" = auth ]; then
      extra="$extra
auth: {htpasswd: {realm: peel-test, path: $dir/htpasswd}}"
    fi
    cat > "$dir/$name.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/data-$name}, delete: {enabled: true}}
http:
  addr: 127.0.0.1:$port
$extra
YML
    if ! curl -sk -o /dev/null "https://127.0.0.1:$port/v2/" && ! curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
      nohup docker-registry serve "$dir/$name.yml" > "$dir/$name.log" 2>&1 &
    fi
  done
  local i
  for i in $(seq 1 100); do
    if curl -s -o /dev/null http://127.0.0.1:5071/v2/ \
      && curl -sk -o /dev/null https://127.0.0.1:5072/v2/ \
      && curl -sk -o /dev/null https://127.0.0.1:5073/v2/; then
      export PEEL_REGISTRY_PLAIN=127.0.0.1:5071
      export PEEL_REGISTRY_TLS=127.0.0.1:5072
      export PEEL_REGISTRY_AUTH=127.0.0.1:5073
      export PEEL_REGISTRY_CA="$dir/ca.pem"
      export PEEL_REGISTRY_USER=peel-test
      export PEEL_REGISTRY_PASSWORD=peel-test-password
      export PEEL_REQUIRE_REGISTRY=1
      return 0
    fi
    sleep 0.1
  done
  echo "start-registry: the registries did not answer within 10 s" >&2
  tail -n 20 "$dir"/*.log >&2
  return 1
}

peel_registry_start
