package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A follower acknowledges AppendEntries only once their entries are durable (§5.3 with §10.2.1), and several
 * that become durable together are answered by one acknowledgement of the highest match index.
 */
class DurableAcknowledgementsTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters("n1", "n2", "n3");

    private final InMemoryLog durable = new InMemoryLog(THREE);
    private final RaftNode follower = RaftNode.start(N2, THREE, RaftOptions.DEFAULTS, new HardState(2, N1, 0),
            durable, 0, new Random(1));
    private final List<Persist> handedOut = new ArrayList<>();
    private final List<RaftMessage> sent = new ArrayList<>();
    private int madeDurable;

    @Test
    void appendsDurableTogetherAreAnsweredOnceWithTheHighestMatchIndex() {
        step(append(0, 0, 1));
        step(append(1, 1, 2));
        step(append(2, 2, 3, 4));
        assertThat(sent).isEmpty();
        assertThat(handedOut).hasSize(3);

        persistAll();

        assertThat(sent).containsExactly(AppendEntriesResponse.accepted(N2, N1, 2, 4));
    }

    @Test
    void eachDurabilityReportAnswersWhatItCovers() {
        step(append(0, 0, 1));
        step(append(1, 1, 2));
        durableThrough(1);
        step(append(2, 2, 3));
        durableThrough(3); // one fsync covers the second and the third

        assertThat(sent).containsExactly(AppendEntriesResponse.accepted(N2, N1, 2, 1),
                AppendEntriesResponse.accepted(N2, N1, 2, 3));
    }

    @Test
    void otherMessagesAndRejectionsKeepTheirPlace() {
        step(append(0, 0, 1));
        step(new AppendEntries(N1, N2, 2, 7, 1, List.of(), 0)); // a gap: rejected once entry 1 is durable
        step(append(1, 1, 2));
        step(new RequestVote(N3, N2, 2, 5, 1, false, false)); // same term, already voted for n1: refused
        persistAll();

        assertThat(sent).hasSize(3);
        assertThat(sent.get(0)).isInstanceOfSatisfying(AppendEntriesResponse.class,
                rejection -> assertThat(rejection.success()).isFalse());
        assertThat(sent.get(1)).isEqualTo(AppendEntriesResponse.accepted(N2, N1, 2, 2));
        assertThat(sent.get(2)).isInstanceOfSatisfying(RequestVoteResponse.class,
                vote -> assertThat(vote.granted()).isFalse());
    }

    private static AppendEntries append(long prevIndex, long prevTerm, long... indexes) {
        List<LogEntry> entries = new ArrayList<>();
        for (long index : indexes) {
            entries.add(LogEntry.command(index == 1 ? 1 : 2, index, ("e" + index).getBytes(StandardCharsets.UTF_8)));
        }
        return new AppendEntries(N1, N2, 2, prevIndex, prevTerm, entries, 0);
    }

    private void step(RaftMessage message) {
        follower.step(message);
        drain();
    }

    private void drain() {
        while (follower.hasReady()) {
            Ready ready = follower.ready();
            sent.addAll(ready.messages());
            if (ready.persist() != null) {
                handedOut.add(ready.persist());
            }
        }
    }

    /** One fsync makes the first {@code count} persist instructions handed out durable. */
    private void durableThrough(int count) {
        for (int i = madeDurable; i < count; i++) {
            durable.append(handedOut.get(i).entries());
        }
        madeDurable = count;
        follower.persisted(handedOut.get(count - 1).sequence());
        drain();
    }

    private void persistAll() {
        durableThrough(handedOut.size());
    }
}
