# Redthread: one static binary with the web UI embedded.
FROM node:20-bookworm AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/dist ./web/dist
RUN CGO_ENABLED=0 go build -trimpath -o /out/redthread ./cmd/redthread && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/redthread /usr/local/bin/redthread
# The data directory (embedded store, or the server's state with Neo4j)
# must belong to the nonroot user the server runs as.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/redthread"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data", "--demo"]
