package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.kv.protocol.Replies;
import io.caucus.kv.slots.MoveProgress;
import io.caucus.kv.slots.ReplicaRebalance;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.slots.SlotRebalance;
import io.caucus.server.CaucusException;
import io.caucus.server.NoLeaderException;
import io.caucus.server.HostPort;
import io.caucus.server.NotLeaderException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A sharded node's slot map over HTTP (docs/operations.md): {@code GET /slots} (the map in force here: epoch, ranges
 * with their groups, groups with their replicas, moves under way, replica moves under way and the nodes each group
 * retired from) and {@code POST /slots/move?slots=A-B&to=G}, which records a move of the range to group G in the map;
 * the metadata group's leader then carries it out. {@code POST /slots/rebalance?threshold=P[&dry-run=true]} records
 * every move that spreads the slots evenly over the groups (or, in a dry run, only plans them). Both are answered by
 * the metadata leader only (another node answers 421 naming it, which {@code caucus slots move} and
 * {@code caucus rebalance} follow). {@code POST /slots/replicas/move?group=G&from=NODE&to=NODE} records that group G's
 * replica on one node moves to another, which the group's leader then carries out; any node answers it (the node
 * forwards the map change to the metadata leader); {@code POST /slots/replicas/cancel?group=G} records that group
 * G's replica move is to be undone, which the group's leader then carries out (or finishes the move, if the old node
 * has left the group already), answered by any node too; so is {@code POST /slots/replicas/rebalance[?dry-run=true]},
 * which records one round of replica moves that spreads the data groups' replicas evenly over the nodes, and
 * {@code POST /slots/nodes/remove?node=NODE[&dry-run=true]}, which records that a node is removed from the cluster
 * (its replicas then move away round by round, as a replica rebalance moves them, and it leaves the metadata group
 * once it holds none).
 *
 * <p>Status codes: 200 recorded (the moves go on in the background; {@code GET /slots} shows them until done), 400 a
 * bad request or a change the map refuses (nothing changed; the message says why), 421 not the metadata leader
 * (nothing changed), 503 not recorded (no metadata leader, or it could not take the change: nothing changed, ask
 * again), 504 no answer in time or an outcome the node cannot know (the change may have been recorded).
 */
public final class SlotsEndpoint {

    /** What the endpoint needs of the sharded node. */
    public interface Slots {
        SlotMap map();

        /** The metadata group's leader as this node knows it, or null. */
        NodeId metadataLeader();

        NodeId self();

        Optional<InetSocketAddress> adminAddress(NodeId node);

        CompletableFuture<SlotMap> startMove(SlotRange range, long target);

        /**
         * Records that {@code group}'s replica on {@code from} moves to {@code to}, at the metadata leader wherever it
         * is; completes with the map that records it, or fails with {@link IllegalArgumentException} if the map
         * refuses the move.
         */
        CompletableFuture<SlotMap> startReplicaMove(long group, NodeId from, NodeId to);

        /**
         * Records that {@code group}'s replica move is cancelled, at the metadata leader wherever it is; completes with
         * the map that records it, or fails with {@link IllegalArgumentException} if there is no move to cancel.
         */
        CompletableFuture<SlotMap> cancelReplicaMove(long group);

        /**
         * Plans one round of replica moves that spread the data groups' replicas evenly over the cluster file's nodes
         * ({@link ReplicaRebalance}) and records them at the metadata leader wherever it is, or with {@code dryRun}
         * only plans them; completes with the plan and the map that records it (or the map planned), or fails with
         * {@link IllegalArgumentException} if the map cannot be planned.
         */
        CompletableFuture<ReplicaRebalance.Plan> rebalanceReplicas(boolean dryRun);

        /**
         * Records that {@code node} is removed from the cluster, at the metadata leader wherever it is, or with
         * {@code dryRun} only checks that it can be; completes with the first round of replica moves that empties it
         * (planned, not recorded), or fails with {@link IllegalArgumentException} if the node is unknown or a replica
         * of it could go nowhere.
         */
        CompletableFuture<ReplicaRebalance.Plan> removeNode(NodeId node, boolean dryRun);

        /** The metadata group's members (voters and learners) as this node knows them: asked of its leader. */
        Set<NodeId> metadataMembers();

        /** How far the moves this node's mover runs have got (the metadata leader's; none elsewhere). */
        default Map<SlotRange, MoveProgress> moveProgress() {
            return Map.of();
        }

        /**
         * Plans the moves that spread the slots evenly ({@link SlotRebalance}) and records them, or with
         * {@code dryRun} only plans them; completes with the plan and the map that records it (or the map planned).
         */
        CompletableFuture<SlotRebalance.Plan> rebalance(double thresholdPercent, boolean dryRun);
    }

    private final Slots slots;
    private final Duration timeout;

    public SlotsEndpoint(Slots slots, Duration timeout) {
        this.slots = slots;
        this.timeout = timeout;
    }

    public List<HttpContext> register(HttpServer server) {
        return List.of(server.createContext("/slots/move", this::move),
                server.createContext("/slots/rebalance", this::rebalance),
                server.createContext("/slots/replicas/move", this::moveReplica),
                server.createContext("/slots/replicas/cancel", this::cancelReplicaMove),
                server.createContext("/slots/replicas/rebalance", this::rebalanceReplicas),
                server.createContext("/slots/nodes/remove", this::removeNode),
                server.createContext("/slots/nodes", this::nodes),
                server.createContext("/slots", exchange -> respond(exchange, 200,
                        AdminJson.write(mapJson(slots.map(), slots.moveProgress())))));
    }

    /**
     * {@code GET /slots/nodes}: the metadata group's members as its leader has them ({@code metadataMembers}) and the
     * nodes removed from the cluster ({@code removedNodes}); answered by the metadata leader only (421 naming it
     * elsewhere), since a node taken out of the group may never hear that it was.
     */
    private void nodes(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            respond(exchange, 405, error("METHOD", "GET /slots/nodes", null));
            return;
        }
        NodeId leader = slots.metadataLeader();
        if (leader == null) {
            respond(exchange, 503, error("NOLEADER", "the metadata group has no leader", null));
            return;
        }
        if (!leader.equals(slots.self())) {
            respond(exchange, 421, error("NOTLEADER", "ask the metadata group's leader", leader));
            return;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("metadataMembers", slots.metadataMembers().stream().sorted().map(NodeId::value).toList());
        json.put("removedNodes", slots.map().removedNodes().stream().map(NodeId::value).toList());
        respond(exchange, 200, AdminJson.write(json));
    }

    /** The JSON form of {@code map}: {@code GET /slots}'s answer. */
    static Map<String, Object> mapJson(SlotMap map) {
        return mapJson(map, Map.of());
    }

    /**
     * The map's JSON with, for each move this node's mover runs, its {@code progress}: passes, keys moved, bytes
     * copied and seconds since its current attempt started.
     */
    static Map<String, Object> mapJson(SlotMap map, Map<SlotRange, MoveProgress> progress) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("epoch", map.epoch());
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (SlotMap.OwnedRange range : map.ranges()) {
            ranges.add(Map.of("slots", text(range.range()), "group", range.group()));
        }
        json.put("ranges", ranges);
        Map<String, Object> groups = new LinkedHashMap<>();
        for (long group : map.groups()) {
            groups.put(Long.toString(group), map.replicasOf(group).stream().map(NodeId::value).toList());
        }
        json.put("groups", groups);
        json.put("moves", movesJson(map.migrations(), progress));
        json.put("replicaMoves", map.replicaMoves().stream().map(SlotsEndpoint::replicaMoveJson).toList());
        Map<String, Object> retired = new LinkedHashMap<>();
        for (long group : map.groups()) {
            if (!map.retiredReplicasOf(group).isEmpty()) {
                retired.put(Long.toString(group), map.retiredReplicasOf(group).stream().map(NodeId::value).toList());
            }
        }
        json.put("retired", retired);
        json.put("removedNodes", map.removedNodes().stream().map(NodeId::value).toList());
        return json;
    }

    private static Map<String, Object> replicaMoveJson(SlotMap.ReplicaMove move) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("group", move.group());
        json.put("from", move.from().value());
        json.put("to", move.to().value());
        json.put("cancelled", move.cancelled());
        return json;
    }

    private static List<Map<String, Object>> movesJson(List<SlotMap.Migration> migrations,
                                                       Map<SlotRange, MoveProgress> progress) {
        List<Map<String, Object>> moves = new ArrayList<>();
        for (SlotMap.Migration migration : migrations) {
            Map<String, Object> move = new LinkedHashMap<>();
            move.put("slots", text(migration.range()));
            move.put("from", migration.source());
            move.put("to", migration.target());
            MoveProgress counted = progress.get(migration.range());
            if (counted != null) {
                move.put("progress", Map.of("passes", counted.passes(), "keysMoved", counted.keysMoved(),
                        "bytesCopied", counted.bytesCopied(), "seconds",
                        Math.max(0, System.currentTimeMillis() - counted.startedAtMillis()) / 1000));
            }
            moves.add(move);
        }
        return moves;
    }

    private static String text(SlotRange range) {
        return range.start() + "-" + range.end();
    }

    private void move(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/move?slots=A-B&to=GROUP", null));
            return;
        }
        Map<String, String> query = AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery());
        SlotRange range;
        long target;
        try {
            range = range(query.get("slots"));
            target = Long.parseLong(require(query.get("to"), "to"));
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        answerOnTheLeader(exchange, "the move", () -> slots.startMove(range, target), recorded -> {
            Map<String, Object> answer = mapJson(recorded);
            answer.put("moving", text(range));
            return answer;
        });
    }

    /**
     * {@code POST /slots/rebalance?threshold=P[&dry-run=true]}: the moves that spread the slots evenly, recorded
     * (or, in a dry run, only planned against the map in force). The answer is the map that records them (the map in
     * force, for a dry run or when no move is needed) with {@code planned}, the moves, and {@code recorded}.
     */
    private void rebalance(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/rebalance?threshold=PERCENT[&dry-run=true]", null));
            return;
        }
        Map<String, String> query = AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery());
        double threshold;
        boolean dryRun;
        try {
            threshold = threshold(query.get("threshold"));
            dryRun = flag(query.get("dry-run"), "dry-run");
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        answerOnTheLeader(exchange, "the rebalance", () -> slots.rebalance(threshold, dryRun), plan -> {
            Map<String, Object> answer = mapJson(plan.map());
            answer.put("threshold", threshold);
            answer.put("planned", movesJson(plan.moves(), Map.of()));
            answer.put("slotsMoved", plan.slotsMoved());
            answer.put("recorded", !dryRun && !plan.moves().isEmpty());
            return answer;
        });
    }

    /**
     * {@code POST /slots/replicas/move?group=G&from=NODE&to=NODE}: records that group G's replica on node {@code from}
     * moves to node {@code to}. Any node answers: the server records the change at the metadata leader itself.
     */
    private void moveReplica(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/replicas/move?group=G&from=NODE&to=NODE", null));
            return;
        }
        Map<String, String> query = AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery());
        long group;
        NodeId from;
        NodeId to;
        try {
            group = group(query.get("group"));
            from = node(query.get("from"), "from");
            to = node(query.get("to"), "to");
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        answerWhenDone(exchange, "the replica move", slots.startReplicaMove(group, from, to), false, recorded -> {
            Map<String, Object> answer = replicaMoveJson(new SlotMap.ReplicaMove(group, from, to));
            answer.put("epoch", recorded.epoch());
            return answer;
        });
    }

    /**
     * {@code POST /slots/replicas/cancel?group=G}: records that group G's replica move is cancelled. Any node answers,
     * as for {@link #moveReplica}.
     */
    private void cancelReplicaMove(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/replicas/cancel?group=G", null));
            return;
        }
        long group;
        try {
            group = group(AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery()).get("group"));
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        answerWhenDone(exchange, "the cancel of the replica move", slots.cancelReplicaMove(group), false,
                recorded -> {
                    Map<String, Object> answer = replicaMoveJson(recorded.replicaMoveOf(group).orElseThrow());
                    answer.put("epoch", recorded.epoch());
                    return answer;
                });
    }

    /**
     * {@code POST /slots/replicas/rebalance[?dry-run=true]}: one round of replica moves that spreads the data groups'
     * replicas evenly over the nodes, recorded (or, in a dry run, only planned). Any node answers, as for
     * {@link #moveReplica}. The answer: the {@code epoch} of the map that records the moves (of the map planned, for a
     * dry run or when no move is needed), {@code planned} (group, from, to), {@code recorded}, each node's
     * {@code loads} (replicas held once the round is done) and whether they are {@code even}.
     */
    private void rebalanceReplicas(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/replicas/rebalance[?dry-run=true]", null));
            return;
        }
        boolean dryRun;
        try {
            dryRun = flag(AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery()).get("dry-run"),
                    "dry-run");
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        answerWhenDone(exchange, "the replica rebalance", slots.rebalanceReplicas(dryRun), false,
                plan -> roundJson(plan, !dryRun && !plan.moves().isEmpty()));
    }

    /**
     * A round of replica moves: the map's {@code epoch}, the moves {@code planned}, whether they are {@code recorded},
     * each node's {@code loads} once they are done, whether the loads are then {@code even}, and how many replicas
     * removed nodes still hold then ({@code stranded}).
     */
    private static Map<String, Object> roundJson(ReplicaRebalance.Plan plan, boolean recorded) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("epoch", plan.map().epoch());
        answer.put("planned", plan.moves().stream().map(SlotsEndpoint::replicaMoveJson).toList());
        answer.put("recorded", recorded);
        Map<String, Object> loads = new LinkedHashMap<>();
        plan.loads().forEach((node, load) -> loads.put(node.value(), load));
        answer.put("loads", loads);
        answer.put("even", plan.even());
        answer.put("stranded", plan.stranded());
        return answer;
    }

    /**
     * {@code POST /slots/nodes/remove?node=NODE[&dry-run=true]}: records that the node is removed from the cluster (or,
     * in a dry run, only checks that it can be; a node removed before is not recorded again). Any node answers, as
     * for {@link #moveReplica}. The answer: the node {@code removing}, {@code dryRun}, {@code askHttp} (the admin
     * address of another node to follow the removal at: the removed one leaves the metadata group), and the first
     * round of replica moves that empties it as {@link #rebalanceReplicas} gives one, planned but not recorded
     * ({@code recorded} false): {@code POST /slots/replicas/rebalance} records it, round after round, as
     * {@code caucus slots remove-node} does.
     */
    private void removeNode(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/nodes/remove?node=NODE[&dry-run=true]", null));
            return;
        }
        Map<String, String> query = AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery());
        NodeId node;
        boolean dryRun;
        try {
            node = node(query.get("node"), "node");
            dryRun = flag(query.get("dry-run"), "dry-run");
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        answerWhenDone(exchange, "the removal of " + node, slots.removeNode(node, dryRun), false, plan -> {
            Map<String, Object> answer = roundJson(plan, false);
            answer.put("removing", node.value());
            answer.put("dryRun", dryRun);
            answer.put("askHttp", askInstead(node).map(HostPort::format).orElse(null));
            return answer;
        });
    }

    /**
     * The admin address of a node to ask about {@code removed}'s removal from now on, other than it: it will leave the
     * metadata group, and then knows nothing more. The metadata leader's, else any other member's.
     */
    private Optional<InetSocketAddress> askInstead(NodeId removed) {
        NodeId leader = slots.metadataLeader();
        if (leader != null && !leader.equals(removed)) {
            return slots.adminAddress(leader);
        }
        return slots.metadataMembers().stream().filter(member -> !member.equals(removed)).sorted()
                .map(slots::adminAddress).flatMap(Optional::stream).findFirst();
    }

    /**
     * Runs {@code change} if this node leads the metadata group and answers as {@link #answerWhenDone} does;
     * otherwise the status saying that nothing changed and, if known, who leads.
     */
    private <T> void answerOnTheLeader(HttpExchange exchange, String what, Supplier<CompletableFuture<T>> change,
                                       Function<T, Map<String, Object>> answer) throws IOException {
        NodeId leader = slots.metadataLeader();
        if (leader == null) {
            respond(exchange, 503, error("NOLEADER", "the metadata group has no leader; nothing was changed", null));
            return;
        }
        if (!leader.equals(slots.self())) {
            respond(exchange, 421, error("NOTLEADER", "this node does not lead the metadata group; nothing was "
                    + "changed", leader));
            return;
        }
        answerWhenDone(exchange, what, change.get(), true, answer);
    }

    /**
     * Waits for {@code change} and answers 200 with its result as {@code answer} makes it, or the status saying
     * whether anything may have changed (see the class). {@code onTheLeader}: the change was made on this node as
     * the metadata leader, so losing that leadership meanwhile is a 421 naming the new leader; a change the server
     * forwards itself reports a leader it could not reach as not recorded.
     */
    private <T> void answerWhenDone(HttpExchange exchange, String what, CompletableFuture<T> change,
                                    boolean onTheLeader, Function<T, Map<String, Object>> answer) throws IOException {
        try {
            T result = change.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            respond(exchange, 200, AdminJson.write(answer.apply(result)));
        } catch (ExecutionException e) {
            switch (Replies.unwrap(e)) {
                case IllegalArgumentException refused -> respond(exchange, 400, error("REFUSED",
                        refused.getMessage() + "; nothing was changed", null));
                case NotLeaderException notLeader when onTheLeader -> respond(exchange, 421, error("NOTLEADER",
                        "this node no longer leads the metadata group; nothing was changed", slots.metadataLeader()));
                case NoLeaderException noLeader -> respond(exchange, 503, error("NOLEADER", "the metadata group has "
                        + "no leader (" + noLeader.getMessage() + "); nothing was changed", null));
                case CaucusException notApplied when notApplied.outcomeKnown() -> respond(exchange, 503,
                        error("NOTAPPLIED", what + " was not recorded (" + notApplied + "); nothing was changed",
                                null));
                case Throwable other -> respond(exchange, 504, error("UNKNOWN", "recording " + what + " failed ("
                        + other + "); it may have been recorded: see GET /slots", null));
            }
        } catch (TimeoutException e) {
            respond(exchange, 504, error("UNKNOWN", "no answer within " + timeout + "; " + what + " may have been "
                    + "recorded: see GET /slots", null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 504, error("UNKNOWN", "interrupted; " + what + " may have been recorded", null));
        }
    }

    /** A data group's id, as {@code GET /slots} lists them. */
    private static long group(String text) {
        String value = require(text, "group");
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'group' must be a data group's id (a number: see GET /slots), not '"
                    + value + "'");
        }
    }

    /** A node id of the cluster file. */
    private static NodeId node(String text, String name) {
        String value = require(text, name);
        try {
            return NodeId.of(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "': " + e.getMessage());
        }
    }

    /** A percentage, 0 or more; {@link SlotRebalance#DEFAULT_THRESHOLD_PERCENT} if absent. */
    static double threshold(String text) {
        if (text == null || text.isBlank()) {
            return SlotRebalance.DEFAULT_THRESHOLD_PERCENT;
        }
        try {
            double percent = Double.parseDouble(text);
            if (percent >= 0 && !Double.isInfinite(percent)) {
                return percent;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'threshold' must be a percentage of 0 or more (e.g. 2 or 0.5), not '"
                + text + "'");
    }

    /** {@code true} or {@code false}; false if absent. */
    private static boolean flag(String text, String name) {
        if (text == null || text.equals("false")) {
            return false;
        }
        if (text.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("'" + name + "' must be true or false, not '" + text + "'");
    }

    /** {@code A-B} or a single slot {@code A}. */
    static SlotRange range(String text) {
        String value = require(text, "slots");
        int dash = value.indexOf('-');
        try {
            return dash < 0 ? SlotRange.single(Integer.parseInt(value))
                    : SlotRange.of(Integer.parseInt(value.substring(0, dash)), Integer.parseInt(value.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'slots' must be a slot or a range A-B of slots 0-16383, not '"
                    + value + "'");
        }
    }

    private static String require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("query parameter '" + name + "' is missing");
        }
        return value;
    }

    private String error(String code, String message, NodeId leader) {
        return MembershipJson.error(code, message, leader, leader == null ? null : slots.adminAddress(leader)
                .orElse(null));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        AdminHttpServer.respond(exchange, status, "application/json", body);
    }
}
