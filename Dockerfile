# mpsync: multi-stage image. Build: docker build -t mpsync .
# Run:   docker run -v $PWD/mpsync.toml:/config/mpsync.toml -v mpsync-data:/data -p 8080:8080 mpsync
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md config.example.toml ./
COPY src ./src
COPY connectors ./connectors
COPY mappings ./mappings
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# DejaVu fonts render Cyrillic in invoice PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data mpsync \
    && mkdir -p /config /data && chown mpsync /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER mpsync
WORKDIR /data
ENV MPSYNC_CONFIG=/config/mpsync.toml \
    MPSYNC_SERVER__HOST=0.0.0.0 \
    PYTHONUNBUFFERED=1
VOLUME ["/config", "/data"]
EXPOSE 8080
# `mpsync healthcheck` asks /healthz on the port the config (or MPSYNC_SERVER__PORT) sets.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s \
    CMD ["mpsync", "healthcheck", "--timeout", "5"]
CMD ["mpsync", "run"]
