# peel in a small image: one static binary in an otherwise empty image
# (FROM scratch), run as an unprivileged user.
#
#   docker build -t peel .
#   docker run --rm -v "$PWD:/work" -w /work peel --ci image.tar
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock peel --ci app:1
#
# The default target builds peel from these sources in RUST_IMAGE (musl:
# the binary is static). Where no Rust image can be pulled, build the
# binary elsewhere and copy it in: put it (and, if it is not static, the
# libraries `ldd` lists, at their paths) under dist/ in the build context,
#
#   docker build --target prebuilt -t peel CONTEXT
#
# (that is what peel's own CI builds and checks: tests/it/packaging.rs).
ARG RUST_IMAGE=rust:1-alpine

# What both final stages share: an empty image, peel as the entry point.
FROM scratch AS runtime
USER 65534:65534
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/peel"]
CMD ["--help"]
# A command-line tool: nothing runs long enough to be checked.
HEALTHCHECK NONE

# A binary built outside (dist/usr/local/bin/peel, plus its libraries).
# First among the stages, so that building it needs no other stage.
FROM runtime AS prebuilt
COPY dist/ /

FROM ${RUST_IMAGE} AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# build.rs reads the commit from git; the context has no .git.
ARG PEEL_BUILD_COMMIT=
ENV PEEL_BUILD_COMMIT=${PEEL_BUILD_COMMIT}
# musl's static build has no libisal: gzip is then inflated by zlib-rs (the
# same results and errors; see the README's Install).
RUN cargo build --release --locked --no-default-features \
    && mkdir -p /dist/usr/local/bin \
    && cp target/release/peel /dist/usr/local/bin/peel

FROM runtime AS peel
COPY --from=build /dist/ /
