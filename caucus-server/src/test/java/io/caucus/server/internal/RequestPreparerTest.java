package io.caucus.server.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.CaucusNode;
import io.caucus.server.NotLeaderException;
import io.caucus.server.RequestPreparer;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.StateMachine;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The node prepares each command and query as its thread takes it into the core ({@link RequestPreparer}), in the
 * order it decides, so a time stamped there never runs backwards along that order; a time the caller stamps before
 * queueing can. Production runtimes in a {@link VirtualWorld}: one thread, virtual time, the same run every time.
 *
 * <p>The state machine keeps time as the key-value service does: a command runs at the later of its stamp and the
 * time of the command before; a read at the later of its stamp and the time of the last command applied, and
 * changes nothing. Requests are text, {@code name@stamp}.
 */
class RequestPreparerTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int MAX_COMMAND_BYTES = 1024;

    /** Records each command it applies and each query it serves, as given. */
    private static final class Recorder implements StateMachine {
        final List<String> ran = new ArrayList<>();

        @Override
        public byte[] apply(long index, byte[] command) {
            ran.add(new String(command, UTF_8));
            return "ok".getBytes(UTF_8);
        }

        @Override
        public byte[] query(byte[] query) {
            String text = new String(query, UTF_8);
            ran.add(text);
            return text.getBytes(UTF_8);
        }
    }

    /** Nodes in one virtual world, each with the preparer {@code preparers} gives it. */
    private static final class World {
        final VirtualWorld world = new VirtualWorld(7, Duration.ofMillis(1), Duration.ofMillis(3));
        final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        final Map<NodeId, NodeRuntime> nodes = new LinkedHashMap<>();
        final Map<NodeId, Recorder> machines = new LinkedHashMap<>();

        World(int size, Function<NodeId, RequestPreparer> preparers) {
            for (int i = 1; i <= size; i++) {
                peers.put(NodeId.of("n" + i), InetSocketAddress.createUnresolved("n" + i, 1));
            }
            ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(peers.keySet());
            for (NodeId id : peers.keySet()) {
                Recorder machine = new Recorder();
                NodeSettings settings = new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(10),
                        RaftOptions.DEFAULTS, true, Duration.ofSeconds(10), 1000, MAX_COMMAND_BYTES, 1024, 4096,
                        TransportOptions.defaults(), SnapshotOptions.DEFAULTS,
                        CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER, preparers.apply(id));
                nodes.put(id, NodeRuntime.start(settings, new MemoryLogStore(new MemoryLogStore.Disk(bootstrap)),
                        bootstrap, PeerDirectory.NO_RESOLVER, world.environment(id)));
                machines.put(id, machine);
            }
        }

        /** The leader, once elected and once it has committed an entry of its term (so it serves reads at once). */
        NodeId awaitLeader() {
            assertThat(world.runUntil(() -> nodes.values().stream().anyMatch(node -> node.status().role()
                    == Role.LEADER && node.status().commitIndex() > 0), LIMIT)).as("a leader").isTrue();
            return nodes.entrySet().stream().filter(node -> node.getValue().status().role() == Role.LEADER)
                    .findFirst().orElseThrow().getKey();
        }

        void await(CompletableFuture<?>... futures) {
            assertThat(world.runUntil(() -> java.util.Arrays.stream(futures).allMatch(CompletableFuture::isDone),
                    LIMIT)).as("requests complete").isTrue();
        }

        /** Lets virtual time pass, whatever runs meanwhile. */
        void pass(Duration time) {
            world.runUntil(() -> false, time);
        }

        long nowMicros() {
            return world.now() / 1000;
        }
    }

    /** A preparer that stamps the world's time (µs) in place of the caller's, and notes each call in order. */
    private static final class Stamper implements RequestPreparer {
        final World[] world = new World[1];
        final List<String> calls = new ArrayList<>();

        @Override
        public byte[] command(byte[] command) {
            return stamp("command", command);
        }

        @Override
        public byte[] query(byte[] query) {
            return stamp("query", query);
        }

        private byte[] stamp(String kind, byte[] request) {
            String name = name(new String(request, UTF_8));
            calls.add(kind + " " + name);
            return (name + "@" + world[0].nowMicros()).getBytes(UTF_8);
        }
    }

    private static byte[] request(String name, long stamp) {
        return (name + "@" + stamp).getBytes(UTF_8);
    }

    private static String name(String request) {
        return request.substring(0, request.indexOf('@'));
    }

    private static long stamp(String request) {
        return Long.parseLong(request.substring(request.indexOf('@') + 1));
    }

    /**
     * The time each recorded request ran at, in the order the state machine ran them (for one node: the order of
     * the linearization): a command at max(its stamp, the time before), a read at max(its stamp, that time).
     */
    private static List<Long> timesRun(List<String> ran) {
        List<Long> times = new ArrayList<>();
        long time = 0;
        for (String request : ran) {
            long at = Math.max(time, stamp(request));
            if (request.startsWith("W")) {
                time = at;
            }
            times.add(at);
        }
        return times;
    }

    /**
     * Caller A stamps write W, then is held up; meanwhile caller B stamps read R later, queues it, and the node takes
     * and serves it; then A queues W. W is ordered after R. Returns what the state machine ran.
     */
    private static List<String> writeStampedFirstQueuedAfterAnOvertakingRead(World world) {
        NodeId leader = world.awaitLeader();
        NodeRuntime node = world.nodes.get(leader);
        long writeStamp = world.nowMicros();
        world.pass(Duration.ofMillis(5));
        CompletableFuture<byte[]> read = node.read(request("R", world.nowMicros()));
        world.await(read);
        CompletableFuture<byte[]> write = node.submit(request("W", writeStamp));
        world.await(write);
        assertThat(read).isCompleted();
        assertThat(write).isCompleted();
        return world.machines.get(leader).ran;
    }

    @Test
    void stampsTheCallersTakeBeforeQueueingRunBackwardsWhenAnotherCallerOvertakes() {
        World world = new World(1, id -> RequestPreparer.NONE);

        List<String> ran = writeStampedFirstQueuedAfterAnOvertakingRead(world);

        // What the service did before its node stamped: the read ran at a later time than the write ordered after it.
        assertThat(ran).extracting(RequestPreparerTest::name).containsExactly("R", "W");
        List<Long> times = timesRun(ran);
        assertThat(times.get(1)).as("the write runs earlier than the read before it").isLessThan(times.get(0));
    }

    @Test
    void stampsTheNodeTakesAsItTakesRequestsNeverRunBackwards() {
        Stamper stamper = new Stamper();
        World world = new World(1, id -> stamper);
        stamper.world[0] = world;

        List<String> ran = writeStampedFirstQueuedAfterAnOvertakingRead(world);

        assertThat(ran).extracting(RequestPreparerTest::name).containsExactly("R", "W");
        assertThat(stamp(ran.get(1))).as("the write is stamped when the node takes it, after the read")
                .isGreaterThanOrEqualTo(stamp(ran.get(0)));
        assertThat(timesRun(ran)).isSorted();
        assertThat(stamper.calls).containsExactly("query R", "command W");
    }

    /**
     * Requests queued together are taken in one turn: the commands, in the order queued, before the reads, which
     * are then served after them. That is the order the preparer sees, and the stamps it gives follow it.
     */
    @Test
    void inATurnCommandsArePreparedInTheOrderQueuedAndThenTheReads() {
        Stamper stamper = new Stamper();
        World world = new World(1, id -> stamper);
        stamper.world[0] = world;
        NodeRuntime node = world.nodes.get(world.awaitLeader());
        stamper.calls.clear();

        List<CompletableFuture<byte[]>> requests = List.of(node.read(request("R1", -1)),
                node.submit(request("W1", -1)), node.read(request("R2", -1)), node.submit(request("W2", -1)));
        world.await(requests.toArray(CompletableFuture[]::new));

        assertThat(stamper.calls).containsExactly("command W1", "command W2", "query R1", "query R2");
        List<String> ran = world.machines.get(node.id()).ran;
        assertThat(ran).extracting(RequestPreparerTest::name).containsExactly("W1", "W2", "R1", "R2");
        assertThat(ran).extracting(RequestPreparerTest::stamp).allMatch(stamp -> stamp >= 0);
        assertThat(timesRun(ran)).isSorted();
        assertThat(new String(requests.get(0).join(), UTF_8)).as("a read answers the query as prepared")
                .isEqualTo(ran.get(2));
    }

    @Test
    void aRequestThePreparerRefusesFailsAloneAndIsNeverProposedNorRead() {
        IllegalStateException refusal = new IllegalStateException("refused by the test's preparer");
        RequestPreparer refusesBad = new RequestPreparer() {
            @Override
            public byte[] command(byte[] command) {
                return check(command);
            }

            @Override
            public byte[] query(byte[] query) {
                return check(query);
            }

            private byte[] check(byte[] request) {
                if (new String(request, UTF_8).startsWith("bad")) {
                    throw refusal;
                }
                return request;
            }
        };
        World world = new World(1, id -> refusesBad);
        NodeRuntime node = world.nodes.get(world.awaitLeader());

        CompletableFuture<byte[]> first = node.submit(request("W1", 1));
        CompletableFuture<byte[]> bad = node.submit(request("bad", 2));
        CompletableFuture<byte[]> last = node.submit(request("W2", 3));
        CompletableFuture<byte[]> badRead = node.read(request("bad", 4));
        CompletableFuture<byte[]> read = node.read(request("R", 5));
        world.await(first, bad, last, badRead, read);

        assertThat(bad).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCause(refusal);
        assertThat(badRead).failsWithin(Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class).withCause(refusal);
        assertThat(world.machines.get(node.id()).ran).containsExactly("W1@1", "W2@3", "R@5");
        assertThat(node.failure()).isEmpty();
        assertThat(node.status().lastIndex()).as("the no-op and two commands").isEqualTo(3);
    }

    @Test
    void aCommandThePreparerMakesLargerThanMaxCommandBytesIsRefused() {
        RequestPreparer pads = new RequestPreparer() {
            @Override
            public byte[] command(byte[] command) {
                return new String(command, UTF_8).startsWith("big") ? new byte[MAX_COMMAND_BYTES + 1] : command;
            }

            @Override
            public byte[] query(byte[] query) {
                return query;
            }
        };
        World world = new World(1, id -> pads);
        NodeRuntime node = world.nodes.get(world.awaitLeader());

        CompletableFuture<byte[]> big = node.submit(request("big", 1));
        CompletableFuture<byte[]> small = node.submit(request("W", 2));
        world.await(big, small);

        assertThat(big.handle((result, failure) -> failure).join())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxCommandBytes (1024)");
        assertThat(world.machines.get(node.id()).ran).containsExactly("W@2");
    }

    /**
     * A follower prepares the reads it serves (thesis §6.4.1) itself, so they carry what it stamps (the key-value
     * service: the follower's time, docs/departures.md); a command submitted to it is prepared there too and then
     * refused, and the leader prepares only what it takes itself.
     */
    @Test
    void aFollowerPreparesItsOwnReadsAndTheLeaderOnlyWhatItTakes() {
        Map<NodeId, List<String>> calls = new LinkedHashMap<>();
        World world = new World(3, id -> {
            List<String> noted = new ArrayList<>();
            calls.put(id, noted);
            return new RequestPreparer() {
                @Override
                public byte[] command(byte[] command) {
                    noted.add("command " + new String(command, UTF_8));
                    return command;
                }

                @Override
                public byte[] query(byte[] query) {
                    noted.add("query " + new String(query, UTF_8));
                    return (new String(query, UTF_8) + "." + id).getBytes(UTF_8);
                }
            };
        });
        NodeId leader = world.awaitLeader();
        NodeId follower = world.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        NodeRuntime atLeader = world.nodes.get(leader);
        NodeRuntime atFollower = world.nodes.get(follower);
        CompletableFuture<byte[]> write = atLeader.submit(request("W", 1));
        world.await(write);

        CompletableFuture<byte[]> read = atFollower.read(request("R", 2));
        CompletableFuture<byte[]> refused = atFollower.submit(request("X", 3));
        world.await(read, refused);

        assertThat(new String(read.join(), UTF_8)).isEqualTo("R@2." + follower);
        assertThat(world.machines.get(follower).ran).containsExactly("W@1", "R@2." + follower);
        assertThat(refused.handle((result, failure) -> failure).join()).isInstanceOf(NotLeaderException.class);
        // Taken in one turn: its command first, then its read.
        assertThat(calls.get(follower)).containsExactly("command X@3", "query R@2");
        assertThat(calls.get(leader)).containsExactly("command W@1");
    }
}
