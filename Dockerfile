# syntax=docker/dockerfile:1
# Three stages: front-end assets and the common-password list with npm, the Go binary, a small non-root runtime.

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/build-assets.mjs web/build-common-passwords.mjs web/
COPY web/styles web/styles
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/web/static/dist web/static/dist
COPY --from=assets /src/internal/auth/commonpasswords/data internal/auth/commonpasswords/data
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/careers ./cmd/careers

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/careers /careers
ENV ENV=production ADDR=0.0.0.0:8080
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD ["/careers", "healthcheck"]
ENTRYPOINT ["/careers"]
CMD ["serve"]
