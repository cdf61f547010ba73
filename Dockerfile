# Switchboard in a container: `switchboard serve` on a project mounted at /project, with its
# data (the SQLite file, the audit pseudonym key, the instance id) in the volume /data.
#
#   docker build -t switchboard .
#   docker run -p 8080:8080 -v "$PWD/my-bot:/project:ro" -v switchboard-data:/data switchboard
#
# It listens on 0.0.0.0:8080, so the project needs an `inbound` section (API keys or JWT):
# `serve` refuses an address that is not loopback without one. See docs/deploy.md.

# Build stage: the `dist` profile is release without line tables, stripped.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --locked --profile dist -p switchboard \
 && cp target/dist/switchboard /switchboard

# Run stage: the binary, CA certificates for HTTPS upstreams, and a user that is not root.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 switchboard \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --create-home switchboard
COPY --from=build /switchboard /usr/local/bin/switchboard
USER 10001:10001
WORKDIR /project
ENV SWITCHBOARD_CONFIG=/project/switchboard.yaml \
    SWITCHBOARD_DATA_DIR=/data \
    SWITCHBOARD_LISTEN=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["switchboard", "serve"]
