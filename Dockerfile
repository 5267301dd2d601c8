# A Ferry worker (and model server) image, built from this repository.
FROM node:20.18-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .
ENV FERRY_HOME=/var/lib/ferry
ENTRYPOINT ["node", "bin/ferry.mjs"]
CMD ["worker"]
