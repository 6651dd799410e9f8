package io.caucus.kv.protocol;

import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.server.DurationHistogram;
import io.caucus.server.RuntimeMetrics;
import io.caucus.transport.TransportMetrics;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Request counters, error counters and latency histograms, rendered in the Prometheus text format. Label
 * values come from fixed sets (command names the parser knows, error codes), so the series are bounded.
 */
public final class KvMetrics {

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, DurationHistogram> latency = new ConcurrentHashMap<>();
    /** Times a client tripped a limit of the Redis port, by limit (names from a fixed set). */
    private final Map<String, LongAdder> limitHits = new ConcurrentHashMap<>();
    private final LongAdder authFailures = new LongAdder();
    private final AtomicInteger clientConnections = new AtomicInteger();
    /** The node's runtime counters, or null to render none. */
    private final Supplier<RuntimeMetrics> runtime;

    /** Request metrics only. */
    public KvMetrics() {
        this(null);
    }

    /** Request metrics and the node's runtime counters from {@code runtime} (e.g. {@code node::metrics}). */
    public KvMetrics(Supplier<RuntimeMetrics> runtime) {
        this.runtime = runtime;
    }

    /** Records one finished request: {@code kind} is write, read, local or forwarded. */
    public void record(String command, String kind, long elapsedNanos, String errorCode) {
        requests.computeIfAbsent(command, c -> new LongAdder()).increment();
        if (errorCode != null) {
            errors.computeIfAbsent(command + "\u0000" + errorCode, c -> new LongAdder()).increment();
        }
        latency.computeIfAbsent(kind, k -> new DurationHistogram()).observeNanos(elapsedNanos);
    }

    /**
     * A client tripped {@code limit}: bulk, array, request, line, unauthenticated_array, unauthenticated_bulk,
     * pipeline (reading paused), connections, idle, auth_timeout or auth_failures (the connection was closed).
     */
    public void limitHit(String limit) {
        limitHits.computeIfAbsent(limit, l -> new LongAdder()).increment();
    }

    public long limitHits(String limit) {
        LongAdder adder = limitHits.get(limit);
        return adder == null ? 0 : adder.sum();
    }

    /** One AUTH (or HELLO AUTH) with a wrong user name or password. */
    public void authFailure() {
        authFailures.increment();
    }

    public long authFailures() {
        return authFailures.sum();
    }

    /** The counter of open connections to the Redis port (the port's limit counts with it). */
    public AtomicInteger clientConnections() {
        return clientConnections;
    }

    public long requestCount(String command) {
        LongAdder adder = requests.get(command);
        return adder == null ? 0 : adder.sum();
    }

    /** Requests finished of {@code kind} (write, read, local or forwarded) since start. */
    public long requestsOfKind(String kind) {
        DurationHistogram histogram = latency.get(kind);
        if (histogram == null) {
            return 0;
        }
        long[] cumulative = histogram.cumulativeCounts();
        return cumulative[cumulative.length - 1];
    }

    /** The node's runtime counters, or null when this metrics object was made without them. */
    public RuntimeMetrics runtimeMetrics() {
        return runtime == null ? null : runtime.get();
    }

    public String render(NodeStatus status) {
        StringBuilder out = new StringBuilder(2048);
        gauge(out, "caucus_term", "The node's current Raft term.", status.term());
        gauge(out, "caucus_commit_index", "Highest log index known to be committed.", status.commitIndex());
        gauge(out, "caucus_applied_index", "Highest log index applied to the key-value state.",
                status.appliedIndex());
        gauge(out, "caucus_last_index", "Index of the last entry in the node's log.", status.lastIndex());
        out.append("# HELP caucus_role 1 for the node's current role.\n# TYPE caucus_role gauge\n");
        for (Role role : Role.values()) {
            out.append("caucus_role{role=\"").append(role.name().toLowerCase(Locale.ROOT)).append("\"} ")
                    .append(role == status.role() ? 1 : 0).append('\n');
        }
        gauge(out, "caucus_is_leader", "1 if this node is the leader.", status.role() == Role.LEADER ? 1 : 0);
        renderFollowers(out, status);
        out.append("# HELP caucus_requests_total Client commands finished, by command.\n")
                .append("# TYPE caucus_requests_total counter\n");
        new TreeMap<>(requests).forEach((command, count) -> out.append("caucus_requests_total{command=\"")
                .append(command).append("\"} ").append(count.sum()).append('\n'));
        out.append("# HELP caucus_request_errors_total Client commands answered with an error, by code.\n")
                .append("# TYPE caucus_request_errors_total counter\n");
        new TreeMap<>(errors).forEach((key, count) -> {
            String[] parts = key.split("\u0000", 2);
            out.append("caucus_request_errors_total{command=\"").append(parts[0]).append("\",code=\"")
                    .append(parts[1]).append("\"} ").append(count.sum()).append('\n');
        });
        out.append("# HELP caucus_request_duration_seconds Time from a command's arrival to its reply.\n")
                .append("# TYPE caucus_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((kind, histogram) -> histogram(out, "caucus_request_duration_seconds",
                "kind=\"" + kind + "\"", histogram));
        gauge(out, "caucus_client_connections", "Open connections to the Redis port.", clientConnections.get());
        counter(out, "caucus_auth_failures_total", "AUTH and HELLO AUTH attempts refused (wrong user or password).",
                authFailures.sum());
        out.append("# HELP caucus_client_limit_hits_total Times a client of the Redis port tripped a limit, by limit.\n")
                .append("# TYPE caucus_client_limit_hits_total counter\n");
        new TreeMap<>(limitHits).forEach((limit, count) -> out.append("caucus_client_limit_hits_total{limit=\"")
                .append(limit).append("\"} ").append(count.sum()).append('\n'));
        if (runtime != null) {
            renderRuntime(out, runtime.get());
        }
        return out.toString();
    }

    /**
     * The leader's view of each follower's replication (no series on other nodes): what it holds and how many
     * entries of the leader's log it still lacks, so a dashboard shows a follower falling behind.
     */
    private static void renderFollowers(StringBuilder out, NodeStatus status) {
        Map<String, NodeStatus.FollowerStatus> followers = new TreeMap<>();
        status.followers().forEach((id, follower) -> followers.put(id.value(), follower));
        out.append("# HELP caucus_follower_match_index Highest log index the leader knows each follower holds.\n")
                .append("# TYPE caucus_follower_match_index gauge\n");
        followers.forEach((id, follower) -> out.append("caucus_follower_match_index{follower=\"").append(id)
                .append("\"} ").append(follower.matchIndex()).append('\n'));
        out.append("# HELP caucus_follower_lag_entries Entries of the leader's log each follower does not hold yet.\n")
                .append("# TYPE caucus_follower_lag_entries gauge\n");
        followers.forEach((id, follower) -> out.append("caucus_follower_lag_entries{follower=\"").append(id)
                .append("\"} ").append(Math.max(0, status.lastIndex() - follower.matchIndex())).append('\n'));
    }

    private static void renderRuntime(StringBuilder out, RuntimeMetrics metrics) {
        counter(out, "caucus_node_turns_total", "Turns of the node thread (each handles every input queued since the "
                + "last).", metrics.nodeTurns());
        counter(out, "caucus_proposals_total", "Commands proposed by this node as leader.", metrics.proposals());
        counter(out, "caucus_log_writes_total", "Persist instructions written to the log.", metrics.logWrites());
        counter(out, "caucus_log_syncs_total", "Log fsyncs (each covers every write before it).", metrics.logSyncs());
        out.append("# HELP caucus_log_sync_duration_seconds How long each log fsync took.\n")
                .append("# TYPE caucus_log_sync_duration_seconds histogram\n");
        histogram(out, "caucus_log_sync_duration_seconds", "", metrics.logSyncDurations());
        counter(out, "caucus_apply_batches_total", "Batches of committed entries applied.", metrics.applyBatches());
        counter(out, "caucus_snapshots_taken_total", "Snapshots this node took of its state.",
                metrics.snapshotsTaken());
        counter(out, "caucus_snapshots_installed_total", "Snapshots this node installed from a leader.",
                metrics.snapshotsInstalled());
        TransportMetrics transport = metrics.transport();
        counter(out, "caucus_peer_messages_sent_total", "Raft messages written to peer connections.",
                transport.messagesSent());
        counter(out, "caucus_peer_flushes_total", "Socket flushes of peer connections.", transport.flushes());
        counter(out, "caucus_peer_messages_received_total", "Raft messages received from peers.",
                transport.messagesReceived());
        out.append("# HELP caucus_peer_messages_dropped_total Raft messages dropped (Raft retries), by direction.\n")
                .append("# TYPE caucus_peer_messages_dropped_total counter\n")
                .append("caucus_peer_messages_dropped_total{direction=\"out\"} ").append(transport.droppedOutbound())
                .append('\n')
                .append("caucus_peer_messages_dropped_total{direction=\"in\"} ").append(transport.droppedInbound())
                .append('\n');
        counter(out, "caucus_peer_oversize_frames_total", "Peer connections closed for announcing a frame larger than"
                + " maxPeerFrameBytes (refused at the length prefix, before allocation).",
                transport.oversizeFramesRejected());
        counter(out, "caucus_peer_handshakes_refused_total", "Peer connections refused: TLS handshake failed, a"
                + " certificate naming no member, or a Hello for another cluster or node.",
                transport.handshakesRefused());
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        single(out, name, "gauge", help, value);
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        single(out, name, "counter", help, value);
    }

    /** One unlabelled series with its HELP and TYPE lines. */
    private static void single(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(' ').append(value).append('\n');
    }

    /** One Prometheus histogram series; {@code labels} is empty or label pairs such as {@code kind="write"}. */
    private static void histogram(StringBuilder out, String name, String labels, DurationHistogram histogram) {
        String bucketLabels = labels.isEmpty() ? "" : labels + ",";
        String seriesLabels = labels.isEmpty() ? "" : "{" + labels + "}";
        long[] cumulative = histogram.cumulativeCounts();
        for (int i = 0; i < cumulative.length; i++) {
            String bound = i < DurationHistogram.UPPER_BOUNDS_SECONDS.length
                    ? Double.toString(DurationHistogram.UPPER_BOUNDS_SECONDS[i]) : "+Inf";
            out.append(name).append("_bucket{").append(bucketLabels).append("le=\"").append(bound).append("\"} ")
                    .append(cumulative[i]).append('\n');
        }
        out.append(name).append("_sum").append(seriesLabels).append(' ').append(histogram.sumSeconds()).append('\n');
        out.append(name).append("_count").append(seriesLabels).append(' ').append(cumulative[cumulative.length - 1])
                .append('\n');
    }
}
