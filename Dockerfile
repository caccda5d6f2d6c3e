# checkov:skip=CKV_DOCKER_2: No HEALTHCHECK: the one image runs the API, the worker and the console, each probed its own way by Kubernetes (k8s/api.yaml: /readyz and /healthz; k8s/worker.yaml: the health file).
# One image, one binary: `swissagent api`, `swissagent worker` and `swissagent console` all run from it.
#   docker build -t registry.example.com/swissagent:1.0.0 .
# Build stage: the Swift toolchain and the C libraries' headers.
ARG SWIFT_VERSION=6.3
FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libhiredis-dev libcurl4-openssl-dev libncurses-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY themes ./themes
RUN swift build -c release --product swissagent --static-swift-stdlib \
 && strip "$(swift build -c release --show-bin-path)/swissagent" \
 && install -D "$(swift build -c release --show-bin-path)/swissagent" /out/usr/local/bin/swissagent \
 && mkdir -p /out/usr/local/share/swissagent && cp -r themes /out/usr/local/share/swissagent/

# Run stage: the runtime libraries, and what the local sandbox runs with (bubblewrap, prlimit and
# setpriv from util-linux, slirp4netns and ip for networked steps, python3 for the code tool, Chromium for the browser tools, tini
# to reap). No compiler, no headers, no shell tools beyond Debian's base.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libhiredis0.14 libcurl4 libncursesw6 libssl3 libstdc++6 ca-certificates tzdata bubblewrap util-linux slirp4netns iproute2 python3 \
      chromium-headless-shell tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /var/lib/swissagent --create-home swissagent \
 && mkdir -p /var/lib/swissagent/workspaces && chown swissagent:swissagent /var/lib/swissagent/workspaces
COPY --from=build /out/ /
ENV SWISSAGENT_WORKSPACES=/var/lib/swissagent/workspaces \
    SWISSAGENT_THEMES=/usr/local/share/swissagent/themes \
    TERM=xterm-256color
USER 10001:10001
WORKDIR /var/lib/swissagent
# The API listens here; workers and the console open no port.
EXPOSE 8080
# tini as PID 1 reaps what sandboxes leave behind (bubblewrap's processes end as zombies of init),
# which would otherwise pile up against the worker's process limit.
ENTRYPOINT ["tini", "--", "swissagent"]
CMD ["--help"]
