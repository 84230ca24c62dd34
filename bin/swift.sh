# Sourced by bin/services.sh: a real S3-compatible object store for the tests, Debian's
# OpenStack Swift with its s3api middleware, one node on loopback ports under $WORK/swift.
# Exports UCHAT_TEST_S3_ENDPOINT_URL, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY (tests/s3.py reads
# them); stopped by swift_stop (services.sh's cleanup).
# shellcheck shell=bash

SWIFT_PIDS=()
swift_stop() {
  for pid in "${SWIFT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}

swift_start() {
  local dir="$WORK/swift" kind port
  local mc_port proxy_port
  mkdir -p "$dir/devices/sdb1" "$dir/run"
  chmod 755 "$dir"
  if [ ! -e /etc/swift/swift.conf ]; then
    mkdir -p /etc/swift
    printf '[swift-hash]\nswift_hash_path_suffix = uchat-tests\nswift_hash_path_prefix = uchat-tests\n' \
      >/etc/swift/swift.conf
  fi
  mc_port="$(free_port)"
  memcached -u nobody -l 127.0.0.1 -p "$mc_port" -U 0 &
  SWIFT_PIDS+=($!)
  for kind in account container object; do
    port="$(free_port)"
    (cd "$dir" && swift-ring-builder "$kind.builder" create 0 1 1 >/dev/null \
      && swift-ring-builder "$kind.builder" add "r1z1-127.0.0.1:$port/sdb1" 1 >/dev/null \
      && swift-ring-builder "$kind.builder" rebalance >/dev/null) || true
    cat >"$dir/$kind-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
devices = $dir/devices
mount_check = false
swift_dir = $dir
user = swift
workers = 1
[pipeline:main]
pipeline = $kind-server
[app:$kind-server]
use = egg:swift#$kind
CONF
  done
  proxy_port="$(free_port)"
  cat >"$dir/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $proxy_port
swift_dir = $dir
user = swift
workers = 1
[pipeline:main]
pipeline = catch_errors proxy-logging cache s3api tempauth proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:s3api]
use = egg:swift#s3api
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$mc_port
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:proxy-logging]
use = egg:swift#proxy_logging
CONF
  chown -R swift "$dir"
  for kind in account container object proxy; do
    "swift-$kind-server" "$dir/$kind-server.conf" >"$WORK/swift-$kind.log" 2>&1 &
    SWIFT_PIDS+=($!)
  done
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$proxy_port/healthcheck" 2>/dev/null && break
    sleep 0.1
  done
  export UCHAT_TEST_S3_ENDPOINT_URL="http://127.0.0.1:$proxy_port"
  export UCHAT_TEST_S3_ACCESS_KEY_ID="test:tester"
  export UCHAT_TEST_S3_SECRET_ACCESS_KEY="testing"
  say "Swift (S3 API) on port $proxy_port"
}
