# The portal's container image, for the agency: segur's static binary (the
# one make release builds, CGO_ENABLED=0) on an empty base, nothing else —
# no shell, no package manager, nothing to patch but segur itself.
#
# Build it with scripts/image.sh, which prepares the build context (the
# binary, the DSFR's files, the CA certificates of the building machine,
# the account files) and then runs docker build or podman build:
#
#   scripts/image.sh                  # image segur:VERSION for this machine's architecture
#   GOARCH=arm64 scripts/image.sh     # for another one
#
# Run it (docs/exploitation.md, « Avec un conteneur »):
#
#   docker run -d --name segur -p 8080:8080 -v segur-data:/data segur:VERSION
#
# The server runs as segur (uid 65532), never root; the database and the
# stored files live in the /data volume; the health check is segur health
# (GET /healthz: the image has no curl). Every option of segur serve can be
# given as its SEGUR_* variable or after the image's name.
FROM scratch

ARG VERSION=inconnue
ARG REVISION=
LABEL org.opencontainers.image.title="segur" \
      org.opencontainers.image.description="Portail de dépôt des demandes de financement du Ségur numérique" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY dsfr /usr/local/share/segur/dsfr
COPY segur /usr/local/bin/segur
COPY --chown=65532:65532 data /data
COPY --chown=65532:65532 tmp /tmp

ENV PATH=/usr/local/bin \
    SEGUR_DATA=/data \
    SEGUR_ADDR=:8080 \
    SEGUR_DSFR_DIR=/usr/local/share/segur/dsfr

USER 65532:65532
WORKDIR /data
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/segur", "health"]

ENTRYPOINT ["/usr/local/bin/segur"]
CMD ["serve"]
