# profviz team server.
#   docker build -t profviz .
#   docker run -p 8080:8080 -v "$PWD/profiles:/profiles" profviz
# Set a token with -e PROFVIZ_TOKEN=... (see README).

# Build stage: compile and run the unit tests; a failing test fails the build.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make cmake pkg-config \
      libmicrohttpd-dev zlib1g-dev libcmocka-dev python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DPROFVIZ_WERROR=ON \
 && cmake --build /build -j"$(nproc)" \
 && ctest --test-dir /build -L 'unit|golden' --output-on-failure \
 && strip /build/server/profviz

# Runtime stage: the binary, its two runtime libraries and a non-root user.
FROM debian:bookworm-slim
# apt's package caches (pkgcache.bin, downloaded .debs) are dropped in the same
# layer: a base image without docker-clean's apt config would keep ~70 MB.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmicrohttpd12 zlib1g \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin profviz \
 && mkdir /profiles && chown profviz:profviz /profiles
COPY --from=build /build/server/profviz /usr/local/bin/profviz
USER profviz
VOLUME /profiles
EXPOSE 8080
# bookworm-slim has no HTTP client; bash's /dev/tcp is enough for a health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /api/health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -q '\"status\": *\"ok\"' <&3"]
ENTRYPOINT ["profviz"]
# Listening on every address lets a published port reach the container;
# browsers on the host reach it as localhost. Add --allow-host NAME for each
# other name clients use (docs: README, "What profviz promises").
CMD ["--dir", "/profiles", "--host", "0.0.0.0", "--allow-host", "localhost", "--port", "8080", "--server-only"]
