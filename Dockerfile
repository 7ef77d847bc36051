# Multi-stage build: a static binary on an empty base image, with time-zone
# data and CA certificates, running as a non-root user.
#   docker build --build-arg VERSION=$(git describe --always) -t maillage .
#   docker run -it --rm -v maillage-data:/data maillage
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# -tags goolm: the pure-Go end-to-end encryption of the Matrix adapter.
RUN CGO_ENABLED=0 go build -tags goolm -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/maillage ./cmd/maillage \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/maillage /usr/local/bin/maillage
COPY --from=build --chown=65532:65532 /out/data /data
ENV MAILLAGE_DATA_DIR=/data \
    TZ=Europe/Paris
USER 65532:65532
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/maillage"]
CMD ["run"]
