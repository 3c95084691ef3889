# The cameras CLI for cluster workers (docs/scale-out.md): the README's set-up, `npm ci`, in an image.
# Data, models and results live on a mounted volume, never in the image.
FROM node:20-bookworm-slim

WORKDIR /opt/cameras
# No onnxruntime-node GPU-binary download (the CPU binaries ship in the package): this image's npm 10
# does not read package.json's allowScripts, the install script reads this variable.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
COPY . .
# bin/cameras.js runs dist/ when it exists (no TypeScript compile at each start), the sources otherwise.
RUN npm run build && ln -s /opt/cameras/bin/cameras.js /usr/local/bin/cameras

# A non-root user whose files on the shared volume the other workers can read and append to.
USER node
ENV CAMERAS_HOME=/home/node/.cache/cameras
ENTRYPOINT ["cameras"]
CMD ["--help"]
