package io.caucus.chaos;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The run's node removal ({@code --faults remove}) once asked for: a thread that reads the slot map and asks for a round
 * of replica moves ({@code POST /slots/replicas/rebalance}, as {@code caucus slots remove-node} does) whenever no
 * replica move is under way, until the removed node holds no replica; then reads the metadata group's members as its
 * leader has them ({@code GET /slots/nodes}) until the node is no longer one. It only asks and reads: the run stops
 * the node ({@link ChaosCluster#stopForGood}) between faults, where nothing else starts or kills nodes.
 */
final class NodeRemoval implements AutoCloseable {

    /** How often the map is read: the resolution of the times reported. */
    private static final long WATCH_MILLIS = 500;
    /** The least time between two rounds asked for: a round that planned nothing is not asked again at once. */
    private static final long ROUND_INTERVAL_NANOS = Duration.ofSeconds(3).toNanos();

    /**
     * What a node's {@code GET /slots} says of the removed node.
     *
     * @param epoch        the map's epoch
     * @param listed       the map lists it among the removed nodes (the removal is recorded)
     * @param groupsHeld   the data groups whose replicas include it
     * @param movingWithIt whether a replica move from or to it is under way
     * @param movesUnderWay whether any replica move is under way
     */
    record MapView(long epoch, boolean listed, List<String> groupsHeld, boolean movingWithIt, boolean movesUnderWay) {

        /** No replica and no move from or to it: once removed, it never holds one again. */
        boolean holdsNothing() {
            return groupsHeld.isEmpty() && !movingWithIt;
        }

        @SuppressWarnings("unchecked")
        static MapView of(Map<String, Object> slots, String node) {
            List<String> held = new ArrayList<>();
            ((Map<String, Object>) slots.getOrDefault("groups", Map.of())).forEach((group, replicas) -> {
                if (((List<Object>) replicas).contains(node)) {
                    held.add(group);
                }
            });
            List<Map<String, Object>> moves = (List<Map<String, Object>>) slots.getOrDefault(
                    Nemesis.REPLICA_MOVES_JSON, List.of());
            boolean movingWithIt = moves.stream().anyMatch(move -> node.equals(move.get("from"))
                    || node.equals(move.get("to")));
            boolean listed = ((List<Object>) slots.getOrDefault(Nemesis.REMOVED_NODES_JSON, List.of())).contains(node);
            return new MapView(((Number) slots.get("epoch")).longValue(), listed, List.copyOf(held), movingWithIt,
                    !moves.isEmpty());
        }

        @Override
        public String toString() {
            return "map epoch " + epoch + (listed ? "" : " (not listing it removed)") + ": replicas of groups "
                    + groupsHeld + (movingWithIt ? ", a replica move from or to it under way" : "")
                    + (movesUnderWay ? ", replica moves under way" : ", no replica move under way");
        }
    }

    /**
     * What came of the removal, times in microseconds since the run started (-1: not seen).
     *
     * @param killedFirst the node was killed just before it was removed (an operator removing a dead machine)
     * @param request     what came of {@code POST /slots/nodes/remove}
     * @param recorded    when the removal was known recorded (the request's 200, or a map listing it)
     * @param drained     when a map first showed it holding no replica and in no replica move
     * @param left        when the metadata group's leader first listed it no longer among its members
     * @param stopped     when it was stopped for good (at once, if killed first and recorded)
     * @param rounds      each round of replica moves asked for, with its answer
     */
    record Outcome(String node, boolean killedFirst, String request, long requested, long recorded, long drained,
                   long left, long stopped, List<String> rounds) {

        Outcome {
            rounds = List.copyOf(rounds);
        }

        boolean refused() {
            return request.startsWith("refused");
        }

        /**
         * E.g. {@code n3 (killed first): recorded, drained yes (22.3 s after), left the metadata group yes, 1 rebalance
         * round}, or {@code n5 (running): refused (HTTP 400 from n1: ...)}.
         */
        String summary() {
            String what = node + (killedFirst ? " (killed first)" : " (running)") + ": ";
            if (recorded < 0) {
                return what + (refused() ? request : "not recorded: " + request);
            }
            return what + "recorded, drained " + (drained >= 0 ? "yes (" + seconds(drained - recorded) + " after)"
                    : "no") + ", left the metadata group " + (left >= 0 ? "yes" : "no") + ", " + rounds.size()
                    + " rebalance round" + (rounds.size() == 1 ? "" : "s");
        }

        static String seconds(long micros) {
            return String.format(java.util.Locale.ROOT, "%.1f s", micros / 1e6);
        }
    }

    private final ChaosCluster cluster;
    private final ChaosHistory history;
    private final Random random;
    private final String node;
    private final boolean killedFirst;
    private final String request;
    private final long requested;
    private final List<String> rounds = new CopyOnWriteArrayList<>();
    private volatile long recorded = -1;
    private volatile long drained = -1;
    private volatile long left = -1;
    private volatile long stopped = -1;
    private volatile String lastSeen = "no map read yet";
    private volatile boolean closed;
    /** When the last round was asked for (as if one just had been at first: the interval only spaces rounds out). */
    private long lastRoundNanos;
    private final Thread watcher;

    /**
     * Starts watching, unless the removal was refused (nothing to watch). {@code random}: its own stream (how many
     * requests it makes depends on timing; the schedule must not).
     */
    NodeRemoval(ChaosCluster cluster, ChaosHistory history, Random random, String node, boolean killedFirst,
                String request, long requested) {
        this.cluster = cluster;
        this.history = history;
        this.random = random;
        this.node = node;
        this.killedFirst = killedFirst;
        this.request = request;
        this.requested = requested;
        this.lastRoundNanos = System.nanoTime() - ROUND_INTERVAL_NANOS;
        if (request.startsWith("recorded")) {
            recorded = history.nowMicros();
        }
        this.watcher = Thread.ofPlatform().daemon().name("chaos-removal-" + node).unstarted(this::watch);
        if (!request.startsWith("refused")) {
            watcher.start();
        }
    }

    String node() {
        return node;
    }

    boolean refused() {
        return request.startsWith("refused");
    }

    /** Known recorded: the request answered 200, or a map listed the node removed since. */
    boolean recorded() {
        return recorded >= 0;
    }

    boolean drained() {
        return drained >= 0;
    }

    boolean leftMetadataGroup() {
        return left >= 0;
    }

    /** Drained and out of the metadata group, and not stopped yet: the run may stop it for good. */
    boolean readyToStop() {
        return drained() && leftMetadataGroup() && stopped < 0;
    }

    void stopped() {
        if (stopped < 0) {
            stopped = history.nowMicros();
        }
    }

    /** What the last map read said of the node, for a failure message. */
    String lastSeen() {
        return lastSeen;
    }

    Outcome outcome() {
        return new Outcome(node, killedFirst, request, requested, recorded, drained, left, stopped, rounds);
    }

    private void watch() {
        while (!closed) {
            try {
                step();
                Thread.sleep(WATCH_MILLIS); // the watcher's own pace, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                lastSeen = "watching failed: " + e; // an unexpected answer: read again next time
            }
        }
    }

    private void step() throws InterruptedException {
        Optional<MapView> freshest = freshestMap();
        if (freshest.isEmpty()) {
            return;
        }
        MapView view = freshest.get();
        lastSeen = view.toString();
        if (!view.listed()) {
            return; // not recorded, or not yet (the request's outcome was unknown)
        }
        if (recorded < 0) {
            recorded = history.nowMicros();
        }
        if (!view.holdsNothing()) {
            if (!view.movesUnderWay() && System.nanoTime() - lastRoundNanos >= ROUND_INTERVAL_NANOS) {
                lastRoundNanos = System.nanoTime();
                rounds.add(Outcome.seconds(history.nowMicros()) + ": " + askRound());
            }
            return;
        }
        if (drained < 0) {
            drained = history.nowMicros();
        }
        if (left < 0 && metadataMember().map(member -> !member).orElse(false)) {
            left = history.nowMicros();
        }
    }

    /**
     * The map of highest epoch among the live nodes but the removed one, whose map stops following once it has left
     * the metadata group.
     */
    private Optional<MapView> freshestMap() {
        MapView freshest = null;
        for (String id : cluster.ids()) {
            if (id.equals(node)) {
                continue;
            }
            Optional<Map<String, Object>> slots = cluster.slots(id);
            if (slots.isPresent()) {
                MapView view = MapView.of(slots.get(), node);
                if (freshest == null || view.epoch() > freshest.epoch()) {
                    freshest = view;
                }
            }
        }
        return Optional.ofNullable(freshest);
    }

    /**
     * Whether the metadata group's leader lists the node among its members: {@code GET /slots/nodes} to each live node
     * until one answers 200 (the leader; the others answer 421); empty if none does.
     */
    @SuppressWarnings("unchecked")
    Optional<Boolean> metadataMember() {
        for (String id : cluster.ids()) {
            if (!cluster.isLive(id)) {
                continue;
            }
            try {
                HttpResponse<String> answer = cluster.admin(id, "GET", "/slots/nodes", Duration.ofSeconds(5));
                if (answer.statusCode() == 200) {
                    Optional<Map<String, Object>> nodes = ChaosCluster.parseJson(answer.body());
                    if (nodes.isPresent()) {
                        return Optional.of(((List<Object>) nodes.get().getOrDefault("metadataMembers", List.of()))
                                .contains(node));
                    }
                }
            } catch (IOException e) {
                // down or busy: ask the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * {@code POST /slots/replicas/rebalance} to the live nodes but the removed one, in random order, until one records
     * it (200), refuses it (400) or may have (504); what came of it, with the moves it planned.
     */
    @SuppressWarnings("unchecked")
    private String askRound() throws InterruptedException {
        List<String> asked = new ArrayList<>(cluster.ids());
        asked.remove(node);
        Collections.shuffle(asked, random);
        String last = "no node answered";
        for (String id : asked) {
            if (!cluster.isLive(id)) {
                continue;
            }
            try {
                HttpResponse<String> answer = cluster.admin(id, "POST", "/slots/replicas/rebalance",
                        Duration.ofSeconds(10));
                last = "HTTP " + answer.statusCode() + " from " + id;
                if (answer.statusCode() == 200) {
                    Map<String, Object> round = ChaosCluster.parseJson(answer.body()).orElse(Map.of());
                    List<String> planned = ((List<Map<String, Object>>) round.getOrDefault("planned", List.of()))
                            .stream().map(move -> "group " + move.get("group") + " " + move.get("from") + "->"
                                    + move.get("to")).toList();
                    return (Boolean.TRUE.equals(round.get("recorded")) ? "recorded " + planned.size() + " moves "
                            + planned : "planned no move") + ", stranded " + round.get("stranded") + " (" + last + ")";
                }
                if (answer.statusCode() == 400) {
                    return "refused (" + last + ": " + answer.body() + ")";
                }
                if (answer.statusCode() == 504) {
                    return "outcome unknown (" + last + ")";
                }
            } catch (IOException e) {
                last = id + ": " + e.getMessage();
            }
        }
        return "not recorded (" + last + ")";
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        watcher.interrupt();
        if (watcher.isAlive()) {
            watcher.join(Duration.ofSeconds(30));
        }
    }
}
