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
 * The simulated runtimes stamp time as a server's do: the node stamps each entry and read with its clock as it
 * takes it (the service's TimeStamper as the runtime's RequestPreparer), whatever time the submitter put there.
 */
class NodeStampScenarioTest {

    @Test
    void theNodeStampsEntriesAndReadsAsItTakesThem() {
        Simulation sim = new Simulation(SimConfig.of(11, 3));
        NodeId leader = sim.awaitLeader(200);
        NodeRuntime runtime = sim.node(leader).runtime();

        // Sent with time 0, as the service's connection handler sends them.
        long before = ClientWorkload.clockMillis(sim);
        long session = Scenarios.proposeAccepted(sim, leader, EntryCodec.encode(new KvEntry.Register(0)));
        sim.awaitAllApplied(session, 200);
        assertThat(before).isPositive();
        assertThat(EntryCodec.decodeEntry(sim.committedEntry(session).payload()).timeMillis())
                .isBetween(before, ClientWorkload.clockMillis(sim));

        CompletableFuture<byte[]> write = runtime.submit(EntryCodec.encode(new KvEntry.SessionCommand(0, session, 1,
                new KvEntry.Call(argv("SET", "k", "v", "PX", "1000")))));
        assertThat(sim.runUntil(write::isDone, 200)).isTrue();
        sim.runFor(50); // ticks of 1 ms: the read is taken at least 50 ms after the write was stamped
        CompletableFuture<byte[]> read = runtime.read(EntryCodec.encode(new KvQuery.Call(0, argv("PTTL", "k"))));
        assertThat(sim.runUntil(read::isDone, 200)).isTrue();

        // Unstamped, the read would run at the write's time and find all 1000 ms left.
        assertThat(EntryCodec.decodeReply(read.join())).isInstanceOfSatisfying(Reply.Int.class,
                left -> assertThat(left.value()).isBetween(1000 - (ClientWorkload.clockMillis(sim) - before), 950L));
    }

    private static List<byte[]> argv(String... words) {
        return java.util.Arrays.stream(words).map(word -> word.getBytes(StandardCharsets.UTF_8)).toList();
    }
}
