# syntax=docker/dockerfile:1
#
# The medallion image: one binary for every subcommand (`run`, `dashboard`, `install`,
# `simulate`, `verify`, `status`, `refresh`). deploy/compose/compose.yaml builds it for
# the daemon and the dashboard.
#
#   docker build -t medallion .                                   # stages: standalone/off
#   docker build -t medallion --build-arg WITH_SPARK=true .       # + Java 17 and pyspark,
#                                                                  #   for --stages local/submit
#
# Build stage: Swift 6 on Debian 12 with the C libraries' headers. The Swift standard
# library and Foundation are linked statically, so the runtime image only needs the C
# libraries themselves.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpq-dev libcurl4-openssl-dev libzstd-dev libsnappy-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so editing the sources does not fetch them again.
# (Package.resolved is optional: the glob matches nothing when it is absent.)
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
# Package.swift names targets under Sources/, Tests/ and bench/; SwiftPM wants them all
# present even when building one product (.dockerignore keeps the rest out).
COPY Sources ./Sources
COPY Tests ./Tests
COPY bench ./bench
RUN swift build -c release --product medallion --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/medallion" /out/medallion \
 && if [ -x /usr/libexec/swift/linux/swift-backtrace-static ]; then \
        install -D -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /out/swift-backtrace-static; \
    fi

# Runtime stage: the binary, the Spark jobs, the SQL scripts and the C libraries.
FROM ${RUNTIME_IMAGE} AS runtime
ARG WITH_SPARK=false
ARG PYSPARK_VERSION=4.0.1
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpq5 libcurl4 libzstd1 libsnappy1v5 ca-certificates curl tzdata \
 && if [ "$WITH_SPARK" = "true" ]; then \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            openjdk-17-jre-headless python3 python3-venv procps \
     && python3 -m venv /opt/medallion/venv \
     && /opt/medallion/venv/bin/pip install --no-cache-dir --disable-pip-version-check "pyspark==${PYSPARK_VERSION}"; \
    fi \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 medallion \
 && useradd --system --uid 10001 --gid medallion --home-dir /var/lib/medallion --shell /usr/sbin/nologin medallion \
 && install -d -o medallion -g medallion -m 0750 /var/lib/medallion /var/lib/medallion/lake /var/lib/medallion/log

COPY --from=build /out/ /usr/local/bin/
COPY spark-jobs /opt/medallion/spark-jobs
COPY sql /opt/medallion/sql

# The Spark tools (WITH_SPARK=true) are found on PATH; the jobs and the stage logs by
# their variables. A local lake (file:///var/lib/medallion/lake) lives in a volume.
ENV PATH=/opt/medallion/venv/bin:$PATH \
    MEDALLION_SPARK_JOBS=/opt/medallion/spark-jobs \
    MEDALLION_STAGE_LOG_DIR=/var/lib/medallion/log \
    MEDALLION_HOST=0.0.0.0 \
    MEDALLION_METRICS_ADDRESS=0.0.0.0:9464 \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace-static
VOLUME ["/var/lib/medallion"]
WORKDIR /var/lib/medallion
USER medallion:medallion
# 5000: `medallion dashboard`; 9464: `medallion run`'s /metrics, /healthz, /readyz.
EXPOSE 5000 9464
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/medallion"]
CMD ["--help"]
