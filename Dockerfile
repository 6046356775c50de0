# One image for every Maestro worker; the command picks the role:
#   maestro worker --orchestrator   |   maestro worker --node macpro51
FROM node:20-bookworm-slim
# openssl: `maestro certs` (docker-compose.yml's certs service); the slim image has only the library.
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/maestro
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY plan plan
COPY trust trust
COPY workflows workflows
COPY activities activities
COPY connection connection
COPY workers workers
COPY client client
COPY bench bench
COPY bin bin
RUN npm ci && npm prune --omit=dev
ENV NODE_ENV=production LOG_LEVEL=info
ENTRYPOINT ["node", "bin/maestro.js"]
CMD ["worker", "--orchestrator"]
