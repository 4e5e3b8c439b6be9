# The remediation engine in a container, as the guide this project mirrors
# ran it: the container migrates the database when it starts (under the
# migration lock, so replicas may start together), logs
# `✅ Database migrations completed successfully`, then serves on $PORT.
#
#   docker build -t remediation .          # or: podman build -t remediation .
#   docker compose up                      # the app and PostgreSQL (compose.yaml)
#
# Two stages: the build (the Rust toolchain, ~1.5 GB) and a small runtime
# (Debian slim, ca-certificates and the one binary). The app links
# no generator code (askama, similar, sea-schema), only the runtime.
# The base images are arguments, for a registry mirror or a pinned digest.

ARG RUST_IMAGE=docker.io/library/rust:1.94-slim-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
# The registry and target directory are cached between builds (BuildKit,
# buildah); the binary is copied out of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p app \
    && cp target/release/app /usr/local/bin/app

FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/remediation --create-home remediation
COPY --from=build /usr/local/bin/app /usr/local/bin/app
USER remediation
# Without DATABASE_URL the app uses ./data/remediation.db (SQLite) here:
# mount a volume on it to keep the data.
WORKDIR /var/lib/remediation
ENV PORT=8080 RUST_LOG=info,sqlx=warn,sea_orm_migration=warn
EXPOSE 8080
# SIGTERM (docker stop) shuts the server down cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/app"]
