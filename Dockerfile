# Build: the release binary (no libpq or OpenSSL needed).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
# Compiled into the binary: the console's templates, languages, script and style sheet.
COPY templates templates
COPY locales locales
COPY assets assets
# Declared targets must exist for cargo to read the manifest.
COPY tests tests
COPY examples examples
RUN cargo build --release --locked && cp target/release/cyberbridge /cyberbridge

# Run: a small image with the binary only, as an unprivileged user whose data folder (a
# volume) it owns; the database comes from DATABASE_URL.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/cyberbridge cyberbridge \
    && mkdir -p /var/lib/cyberbridge && chown 10001:10001 /var/lib/cyberbridge && chmod 700 /var/lib/cyberbridge
COPY --from=build /cyberbridge /usr/local/bin/cyberbridge
USER cyberbridge
WORKDIR /var/lib/cyberbridge
VOLUME /var/lib/cyberbridge
ENV CYBERBRIDGE_BIND=0.0.0.0:8080 CYBERBRIDGE_PUBLIC_URL=http://localhost:8080 CYBERBRIDGE_LOG_FORMAT=json CYBERBRIDGE_DATA_DIR=/var/lib/cyberbridge
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["cyberbridge"]
CMD ["serve"]
