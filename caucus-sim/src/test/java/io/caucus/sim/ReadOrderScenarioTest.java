package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.sim.client.ClientWorkload;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A read orders after every write its leader accepted before it, even one that reaches the node thread in the same
 * turn (or lingering batch) as the read and is not in the log yet when the read is taken. The key-value service
 * stamps each write and each read with the leader's time and runs an entry at its stamp: a write stamped before a
 * read but linearized after it runs at an earlier time than the read, so a key that expired for the read is live
 * again for the write (seed 80367 at 3,000 fault ticks: a transaction stamped 1564 ms read a key expiring at
 * 1565 ms, after a read stamped 1565 ms that arrived in the same turn was served without it).
 */
class ReadOrderScenarioTest {

    @Test
    void aReadTakenInTheSameTurnAsAnEarlierWriteWaitsForThatWrite() {
        Simulation sim = new Simulation(SimConfig.of(80367, 3));
        NodeId leader = sim.awaitLeader(200);
        long session = Scenarios.proposeAccepted(sim, leader, Scenarios.register());
        sim.awaitAllApplied(session, 200);
        NodeRuntime runtime = sim.node(leader).runtime();

        // The write cannot commit while its entries are held back; heartbeats, and so the read's ReadIndex round
        // (thesis §6.4), still pass.
        sim.dropMessages(message -> Scenarios.appendWithEntriesFrom(message, leader));
        long now = ClientWorkload.clockMillis(sim);
        CompletableFuture<byte[]> write = runtime.submit(EntryCodec.encode(new KvEntry.SessionCommand(now, session, 1,
                new KvEntry.Call(argv("SET", "k", "written")))));
        CompletableFuture<byte[]> read = runtime.read(EntryCodec.encode(new KvQuery.Call(now, argv("GET", "k"))));
        sim.runFor(5L * sim.config().options().heartbeatIntervalTicks() + 5);

        assertThat(read).as("a read must not be served before the write that arrived before it").isNotDone();
        assertThat(write).isNotDone();

        sim.stopDroppingMessages();
        assertThat(sim.runUntil(() -> write.isDone() && read.isDone(), 200)).isTrue();
        assertThat(write).isCompleted();
        assertThat(EntryCodec.decodeReply(read.join())).isInstanceOfSatisfying(Reply.Bulk.class,
                bulk -> assertThat(new String(bulk.value(), StandardCharsets.UTF_8)).isEqualTo("written"));
    }

    /**
     * The same for a follower's read (thesis §6.4.1): its ReadIndexRequest reaches the leader while two writes linger
     * there for their batch to fill, and joins that batch; the leader's read index must cover them.
     */
    @Test
    void aFollowersReadIndexRequestArrivingInTheSameBatchAsEarlierWritesWaitsForThem() {
        long delayMicros = 300;
        Simulation sim = new Simulation(SimConfig.of(80367, 3)
                .withNetwork(NetworkProfile.RELIABLE.withDelays(delayMicros, delayMicros)));
        NodeId leader = sim.awaitLeader(200);
        long session = Scenarios.proposeAccepted(sim, leader, Scenarios.register());
        sim.awaitAllApplied(session, 200);
        NodeId follower = sim.nodeIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        NodeRuntime atLeader = sim.node(leader).runtime();

        sim.dropMessages(message -> Scenarios.appendWithEntriesFrom(message, leader));
        long requestsBefore = sim.sent(MessageKind.READ_INDEX_REQUEST);
        CompletableFuture<byte[]> read = sim.node(follower).runtime().read(EntryCodec.encode(
                new KvQuery.Call(ClientWorkload.clockMillis(sim), argv("GET", "k"))));
        assertThat(sim.runUntil(() -> sim.sent(MessageKind.READ_INDEX_REQUEST) > requestsBefore, 20)).isTrue();
        // Two writes (so that the first lingers for the second's company) just before the request arrives: it
        // comes within the linger's quiet gap and is taken in the same turn.
        List<CompletableFuture<byte[]>> writes = new java.util.ArrayList<>();
        sim.schedule(delayMicros - 20, () -> {
            long now = ClientWorkload.clockMillis(sim);
            for (int sequence = 1; sequence <= 2; sequence++) {
                writes.add(atLeader.submit(EntryCodec.encode(new KvEntry.SessionCommand(now, session, sequence,
                        new KvEntry.Call(argv("SET", "k", "written" + sequence))))));
            }
        });
        sim.runFor(5L * sim.config().options().heartbeatIntervalTicks() + 5);

        assertThat(writes).hasSize(2).noneMatch(CompletableFuture::isDone);
        assertThat(read).as("a follower's read must not be served before writes the leader took before its request")
                .isNotDone();

        sim.stopDroppingMessages();
        assertThat(sim.runUntil(() -> read.isDone() && writes.stream().allMatch(CompletableFuture::isDone), 200))
                .isTrue();
        assertThat(EntryCodec.decodeReply(read.join())).isInstanceOfSatisfying(Reply.Bulk.class,
                bulk -> assertThat(new String(bulk.value(), StandardCharsets.UTF_8)).isEqualTo("written2"));
    }

    private static List<byte[]> argv(String... words) {
        return java.util.Arrays.stream(words).map(word -> word.getBytes(StandardCharsets.UTF_8)).toList();
    }
}
