#!/usr/bin/env bash
# Starts the local stack on loopback: Apache Kafka (KRaft, one combined node) on 127.0.0.1:19092 and
# Apicurio Registry (Confluent-compatible API) on 127.0.0.1:18081 — the ports docker-compose.yml gives
# Redpanda, so apps need no other configuration. Idempotent: a running stack is left as it is.
# Downloads (Maven Central) and logs go to .stack/, which git ignores.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mkdir -p "$STACK/logs"

need_tools() {
  local missing=()
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

fetch_kafka() {
  [ -f "$DOWNLOADS/kafka-libs/.complete" ] && return 0
  log "fetching Kafka jars from Maven Central (deploy/local/kafka-pom.xml)"
  rm -rf "$DOWNLOADS/kafka-libs" && mkdir -p "$DOWNLOADS/kafka-libs"
  mvn -B -q -f "$DEPLOY/kafka-pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$DOWNLOADS/kafka-libs" >"$STACK/logs/mvn-kafka.log" 2>&1 \
    || { tail -20 "$STACK/logs/mvn-kafka.log" >&2; die "could not fetch the Kafka jars (log: $STACK/logs/mvn-kafka.log)"; }
  touch "$DOWNLOADS/kafka-libs/.complete"
}

fetch_registry() {
  local dir="$DOWNLOADS/registry-$REGISTRY_VERSION"
  [ -f "$dir/.complete" ] && return 0
  log "fetching Apicurio Registry $REGISTRY_VERSION from Maven Central"
  rm -rf "$dir" && mkdir -p "$dir"
  mvn -B -q dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" \
    -DoutputDirectory="$dir" >"$STACK/logs/mvn-registry.log" 2>&1 \
    || { tail -20 "$STACK/logs/mvn-registry.log" >&2; die "could not fetch Apicurio Registry (log: $STACK/logs/mvn-registry.log)"; }
  tar -xzf "$dir"/apicurio-registry-app-*.tar.gz -C "$dir" && rm -f "$dir"/apicurio-registry-app-*.tar.gz
  touch "$dir/.complete"
}

# wait_ready NAME PIDFILE LOGFILE SECONDS CHECK...: polls CHECK until it succeeds; on time-out or when
# the process dies, fails with the log's tail so the reason is on screen.
wait_ready() {
  local name=$1 pidfile=$2 logfile=$3 secs=$4; shift 4
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if ! alive "$pidfile"; then
      tail -30 "$logfile" >&2
      die "$name exited during start-up (log above: $logfile)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -30 "$logfile" >&2
      die "$name not ready after ${secs}s (log above: $logfile)"
    fi
    sleep 0.5
  done
}

kafka_ready() { port_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$STACK/logs/kafka.log"; }
registry_ready() { curl -fs -o /dev/null "$REGISTRY_URL/subjects"; }

start_kafka() {
  local pidfile="$STACK/kafka.pid"
  if alive "$pidfile"; then log "kafka already running (pid $(cat "$pidfile"))"; return 0; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process this script did not start; stop it first"
  fetch_kafka
  local conf="$STACK/kafka/server.properties"
  mkdir -p "$STACK/kafka/data"
  sed -e "s#@LOG_DIR@#$STACK/kafka/data#" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" "$DEPLOY/server.properties.template" >"$conf"
  local cp="$DOWNLOADS/kafka-libs/*"
  [ -f "$STACK/kafka/cluster.id" ] || java -cp "$cp" kafka.tools.StorageTool random-uuid >"$STACK/kafka/cluster.id"
  java -cp "$cp" kafka.tools.StorageTool format -t "$(cat "$STACK/kafka/cluster.id")" -c "$conf" \
    --ignore-formatted >"$STACK/logs/kafka-format.log" 2>&1 \
    || { cat "$STACK/logs/kafka-format.log" >&2; die "formatting Kafka storage failed"; }
  log "starting kafka on 127.0.0.1:$KAFKA_PORT"
  : >"$STACK/logs/kafka.log"
  nohup java ${KAFKA_HEAP:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dlog4j2.configurationFile="$DEPLOY/log4j2.yaml" -cp "$cp" kafka.Kafka "$conf" \
    >>"$STACK/logs/kafka.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_ready kafka "$pidfile" "$STACK/logs/kafka.log" 90 kafka_ready
  log "kafka ready"
}

start_registry() {
  local pidfile="$STACK/registry.pid"
  if alive "$pidfile"; then log "schema registry already running (pid $(cat "$pidfile"))"; return 0; fi
  port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by a process this script did not start; stop it first"
  fetch_registry
  local dir="$DOWNLOADS/registry-$REGISTRY_VERSION" jar
  jar=$(find "$dir" -name 'apicurio-registry-app-*-runner.jar' | head -1)
  [ -n "$jar" ] || die "no runner jar in $dir"
  log "starting schema registry (Apicurio $REGISTRY_VERSION) on $REGISTRY_URL"
  : >"$STACK/logs/registry.log"
  nohup java ${REGISTRY_HEAP:--Xmx256m} -Dquarkus.http.port="$REGISTRY_PORT" -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.management.enabled=false -Dquarkus.log.level=WARN \
    -jar "$jar" >>"$STACK/logs/registry.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_ready "schema registry" "$pidfile" "$STACK/logs/registry.log" 90 registry_ready
  # Redpanda's and Confluent's registries default to BACKWARD; Apicurio sets no global rule.
  curl -fsS -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data '{"compatibility":"BACKWARD"}' "$REGISTRY_URL/config" >/dev/null \
    || die "could not set the registry's global compatibility to BACKWARD"
  log "schema registry ready"
}

need_tools
start_kafka
start_registry
log "up: kafka 127.0.0.1:$KAFKA_PORT, registry $REGISTRY_URL (logs in $STACK/logs)"
