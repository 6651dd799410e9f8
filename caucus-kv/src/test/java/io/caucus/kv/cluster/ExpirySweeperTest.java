package io.caucus.kv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.kv.FakeNode;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One sweeper for many groups: each group it leads with a key past its time gets a sweep; the others nothing. */
class ExpirySweeperTest {

    private static final long NOW = 1_000_000;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void onlyTheGroupsLedHereWithAKeyPastItsTimeAreSwept() {
        FakeNode due = new FakeNode("n1");
        FakeNode notYet = new FakeNode("n1");
        FakeNode followed = new FakeNode("n1");
        followed.leader = NodeId.of("n2");
        try (ExpirySweeper sweeper = new ExpirySweeper(List.of(new ExpirySweeper.Target(due, () -> NOW - 1),
                new ExpirySweeper.Target(notYet, () -> NOW + 60_000),
                new ExpirySweeper.Target(followed, () -> NOW - 1)), () -> NOW, scheduler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> due.submits >= 2); // again while keys stay due
            assertThat(EntryCodec.decodeEntry(due.received.getFirst())).isInstanceOf(KvEntry.Sweep.class);
            assertThat(notYet.submits).isZero();
            assertThat(followed.submits).isZero();
        }
    }
}
