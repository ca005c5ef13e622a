#!/bin/sh
# Installs k3s and the store-edge agent on a store server without internet access.
#
# Bring a bundle directory (USB stick) with:
#   k3s                                  the k3s binary (same release as the images tarball)
#   k3s-airgap-images-amd64.tar.zst      k3s' own images (or .tar.gz / .tar)
#   install.sh                           k3s' install script (get.k3s.io), saved beforehand
#   store-edge-images.tar                docker save of store-edge/edge-agent and generic-device-plugin
#   edge-agent-0.1.0.tgz                 helm package charts/edge-agent
# and run, as root, from a checkout of this k3s/ directory:
#   STORE_ID=store-0042 STORE_EDGE_CLOUD_URL=https://cloud.example STORE_EDGE_CLOUD_TOKEN=... \
#   STORE_EDGE_ADMIN_PASSWORD=... ./install-airgap.sh /media/usb/store-edge-bundle
# With STORE_EDGE_TLS_CERT and STORE_EDGE_TLS_KEY (PEM files of this server's certificate and
# key) the console and API are HTTPS and readers use MQTTS on 8883 (plain MQTT is then closed).
#
# Re-running it is safe: it upgrades k3s/images/chart in place and keeps the data volume.
set -eu

bundle=${1:?usage: install-airgap.sh BUNDLE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
: "${STORE_ID:?set STORE_ID (this store's id, e.g. store-0042)}"
cloud_url=${STORE_EDGE_CLOUD_URL:-}
tls_cert=${STORE_EDGE_TLS_CERT:-}
tls_key=${STORE_EDGE_TLS_KEY:-}
if [ -n "$tls_cert$tls_key" ]; then
  [ -f "$tls_cert" ] && [ -f "$tls_key" ] || {
    echo "install-airgap.sh: set both STORE_EDGE_TLS_CERT and STORE_EDGE_TLS_KEY to PEM files" >&2; exit 1; }
  tls_secret=store-edge-tls
else
  tls_secret=
fi
chart_version=0.1.0

[ "$(id -u)" -eq 0 ] || { echo "install-airgap.sh: run as root" >&2; exit 1; }
for f in k3s install.sh store-edge-images.tar "edge-agent-${chart_version}.tgz"; do
  [ -f "$bundle/$f" ] || { echo "install-airgap.sh: $bundle/$f is missing" >&2; exit 1; }
done
images=$(ls "$bundle"/k3s-airgap-images-*.tar* 2>/dev/null | head -n 1)
[ -n "$images" ] || { echo "install-airgap.sh: no k3s-airgap-images-*.tar* in $bundle" >&2; exit 1; }

echo "1/6 udev rules for scanners, serial adapters and USB printers"
install -m 0644 "$here/udev/99-store-edge.rules" /etc/udev/rules.d/99-store-edge.rules
getent group plugdev >/dev/null || groupadd --system plugdev
udevadm control --reload && udevadm trigger || true

echo "2/6 k3s binary, images and server config"
install -m 0755 "$bundle/k3s" /usr/local/bin/k3s
mkdir -p /var/lib/rancher/k3s/agent/images /etc/rancher/k3s /var/lib/store-edge/volumes
cp "$images" /var/lib/rancher/k3s/agent/images/
# k3s imports every tarball in agent/images at start: our images arrive the same way.
cp "$bundle/store-edge-images.tar" /var/lib/rancher/k3s/agent/images/store-edge-images.tar
install -m 0600 "$here/config.yaml" /etc/rancher/k3s/config.yaml

echo "3/6 chart and manifests (applied by k3s itself)"
mkdir -p /var/lib/rancher/k3s/server/static/charts /var/lib/rancher/k3s/server/manifests
cp "$bundle/edge-agent-${chart_version}.tgz" /var/lib/rancher/k3s/server/static/charts/
for m in 00-namespace.yaml generic-device-plugin.yaml; do
  install -m 0600 "$here/manifests/$m" "/var/lib/rancher/k3s/server/manifests/store-edge-$m"
done
# The store's values: this store's id and cloud URL into the HelmChart's valuesContent.
sed -e "s|^    storeId: .*|    storeId: ${STORE_ID}|" \
    -e "s|^    cloudUrl: .*|    cloudUrl: \"${cloud_url}\"|" \
    -e "s|^      existingSecret: \"\"\$|      existingSecret: \"${tls_secret}\"|" \
    "$here/manifests/store-edge.yaml" > /var/lib/rancher/k3s/server/manifests/store-edge.yaml
chmod 0600 /var/lib/rancher/k3s/server/manifests/store-edge.yaml

echo "4/6 k3s service (offline install)"
INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_EXEC=server sh "$bundle/install.sh"

echo "5/6 waiting for the API"
i=0
until k3s kubectl get --raw /readyz >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -lt 120 ] || { echo "install-airgap.sh: k3s API not ready after 4 min" >&2; exit 1; }
  sleep 2
done

echo "6/6 agent secret (admin password, cloud token)"
k3s kubectl get namespace store-edge >/dev/null 2>&1 || k3s kubectl create namespace store-edge
if ! k3s kubectl -n store-edge get secret store-edge-agent >/dev/null 2>&1; then
  admin=${STORE_EDGE_ADMIN_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}
  k3s kubectl -n store-edge create secret generic store-edge-agent \
    --from-literal=admin-password="$admin" \
    --from-literal=cloud-token="${STORE_EDGE_CLOUD_TOKEN:-}"
  [ -n "${STORE_EDGE_ADMIN_PASSWORD:-}" ] || echo "admin password (write it down now, it is not shown again): $admin"
fi

if [ -n "$tls_secret" ]; then
  # Replaced on every run, so a renewed certificate is picked up (the agent reads it at start).
  k3s kubectl -n store-edge create secret tls "$tls_secret" --cert="$tls_cert" --key="$tls_key" \
    --dry-run=client -o yaml | k3s kubectl apply -f -
  scheme=https
else
  echo "no STORE_EDGE_TLS_CERT/KEY: the console, API and MQTT are unencrypted on the store LAN"
  scheme=http
fi

echo "done. Follow the agent with:"
echo "  k3s kubectl -n store-edge rollout status statefulset/store-edge-edge-agent --timeout=10m"
echo "  curl -fsS ${scheme}://$(hostname -I 2>/dev/null | cut -d' ' -f1):8080/readyz"
