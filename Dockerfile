# A Ferry worker (and model server, and push webhook) image, built from this repository. Its health checks use node
# itself (the slim image has no pgrep, curl or wget).
FROM node:20.18-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .
# .git comes along (see .dockerignore): pipelines with repo: { path: '.' } integrate from it. Its files belong to the
# build user; git refuses such a repository unless it is marked safe.
RUN git config --system --add safe.directory /app
ENV FERRY_HOME=/var/lib/ferry
ENTRYPOINT ["node", "bin/ferry.mjs"]
CMD ["worker"]
