# tapid in a container: built in one stage, run from a small Debian image as an unprivileged user.
#   docker build -t tapid .
#   docker run -p 8080:8080 -e TAPID_ISSUER=https://id.example.com -v tapid-data:/var/lib/tapid tapid
# See README, "Operating tapid", and deploy/ for a Kubernetes example.

FROM rust:1-slim-bookworm AS build
# aws-lc-rs (TLS, token signing) compiles C: a compiler and cmake.
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake clang pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY benches benches
COPY src src
COPY migrations migrations
COPY templates templates
COPY static static
RUN cargo build --release --locked --bin tapid \
 && strip target/release/tapid

FROM debian:bookworm-slim
# curl answers the HEALTHCHECK; ca-certificates lets webhooks and PostgreSQL over TLS verify servers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tapid --create-home tapid
COPY --from=build /src/target/release/tapid /usr/local/bin/tapid
USER 10001:10001
WORKDIR /var/lib/tapid
ENV TAPID_LISTEN=0.0.0.0:8080 \
    TAPID_DATABASE_URL=sqlite:///var/lib/tapid/tapid.db \
    TAPID_LOG_FORMAT=json
VOLUME ["/var/lib/tapid"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD curl --fail --silent --max-time 2 http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/tapid"]
CMD ["serve"]
