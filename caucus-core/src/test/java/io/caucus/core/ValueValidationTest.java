package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The core's public value types refuse bad input with a clear error, and accept every value at the edge of what
 * is allowed: runtimes build them from configuration files and from bytes read off disk and the wire.
 */
class ValueValidationTest {

    private static final ClusterConfiguration ONE = ClusterConfiguration.ofVoters("n1");

    @Test
    void raftOptionsAcceptTheSmallestValuesAllowed() {
        RaftOptions smallest = new RaftOptions(2, 1, 1, 1, 1, 1, 1, 0);

        assertThat(smallest.electionTimeoutTicks()).isEqualTo(2);
        assertThat(smallest.maxLearnerLagEntries()).isZero();
        assertThat(new RaftOptions(2, 1, 1, 1, 1, 1, 1).maxLearnerLagEntries())
                .isEqualTo(RaftOptions.DEFAULT_MAX_LEARNER_LAG_ENTRIES);
    }

    @Test
    void raftOptionsRefuseValuesBelowTheirMinimum() {
        assertRefused(() -> new RaftOptions(1, 1, 1, 1, 1, 1, 1, 0), "electionTimeoutTicks must be at least 2");
        assertRefused(() -> new RaftOptions(3, 0, 1, 1, 1, 1, 1, 0), "heartbeatIntervalTicks");
        assertRefused(() -> new RaftOptions(3, 3, 1, 1, 1, 1, 1, 0), "less than electionTimeoutTicks");
        assertRefused(() -> new RaftOptions(3, 1, 0, 1, 1, 1, 1, 0), "maxBatchBytes must be positive");
        assertRefused(() -> new RaftOptions(3, 1, 1, 0, 1, 1, 1, 0), "maxInflightMessages must be positive");
        assertRefused(() -> new RaftOptions(3, 1, 1, 1, 0, 1, 1, 0), "maxInflightBytes must be positive");
        assertRefused(() -> new RaftOptions(3, 1, 1, 1, 1, 0, 1, 0), "maxUncommittedBytes must be positive");
        assertRefused(() -> new RaftOptions(3, 1, 1, 1, 1, 1, 0, 0), "maxApplyBytes must be positive");
        assertRefused(() -> new RaftOptions(3, 1, 1, 1, 1, 1, 1, -1), "maxLearnerLagEntries must not be negative");
    }

    @Test
    void eachWitherChangesItsOwnOptionOnly() {
        RaftOptions base = RaftOptions.DEFAULTS;

        assertThat(base.withElectionTimeoutTicks(20))
                .isEqualTo(new RaftOptions(20, 1, 1 << 20, 256, 32L << 20, 64L << 20, 4L << 20, 1000));
        assertThat(base.withHeartbeatIntervalTicks(3))
                .isEqualTo(new RaftOptions(10, 3, 1 << 20, 256, 32L << 20, 64L << 20, 4L << 20, 1000));
        assertThat(base.withMaxBatchBytes(7))
                .isEqualTo(new RaftOptions(10, 1, 7, 256, 32L << 20, 64L << 20, 4L << 20, 1000));
        assertThat(base.withMaxInflightMessages(5))
                .isEqualTo(new RaftOptions(10, 1, 1 << 20, 5, 32L << 20, 64L << 20, 4L << 20, 1000));
        assertThat(base.withMaxUncommittedBytes(9))
                .isEqualTo(new RaftOptions(10, 1, 1 << 20, 256, 32L << 20, 9, 4L << 20, 1000));
        assertThat(base.withMaxLearnerLagEntries(4))
                .isEqualTo(new RaftOptions(10, 1, 1 << 20, 256, 32L << 20, 64L << 20, 4L << 20, 4));
    }

    @Test
    void nodeIdsAreShortNamesOfLettersDigitsAndPunctuation() {
        String longest = "a".repeat(NodeId.MAX_LENGTH);

        assertThat(NodeId.of(longest).value()).isEqualTo(longest);
        assertThat(NodeId.of("azAZ09-_.").toString()).isEqualTo("azAZ09-_.");
        assertRefused(() -> NodeId.of(longest + "a"), "longer than 64");
        assertRefused(() -> NodeId.of(" "), "must not be blank");
        assertRefused(() -> NodeId.of(null), "must not be blank");
        for (String outside : new String[] {"a b", "a/b", "a:b", "`", "{", "@", "[", "é"}) {
            assertRefused(() -> NodeId.of(outside), "ASCII letters, digits");
        }
        assertThat(NodeId.of("n1").compareTo(NodeId.of("n2"))).isNegative();
    }

    @Test
    void logEntriesHaveAPositiveTermAndIndexAndAType() {
        LogEntry entry = LogEntry.command(1, 1, new byte[] {7, 8});

        assertThat(entry.sizeBytes()).isEqualTo(LogEntry.OVERHEAD_BYTES + 2);
        assertThat(entry.toString()).isEqualTo("COMMAND@1/t1(2B)");
        assertThat(LogEntry.noOp(2, 3).toString()).isEqualTo("NO_OP@3/t2");
        assertThat(new LogEntry(1, 1, EntryType.COMMAND, null).payload()).isEmpty();
        assertRefused(() -> LogEntry.noOp(0, 1), "entry term must be positive");
        assertRefused(() -> LogEntry.noOp(1, 0), "entry index must be positive");
        assertRefused(() -> new LogEntry(1, 1, null, null), "entry type must not be null");
    }

    @Test
    void logEntriesAreEqualByContentNotByArray() {
        LogEntry entry = LogEntry.command(2, 5, new byte[] {1, 2});

        assertThat(entry).isEqualTo(LogEntry.command(2, 5, new byte[] {1, 2}))
                .hasSameHashCodeAs(LogEntry.command(2, 5, new byte[] {1, 2}));
        assertThat(entry).isNotEqualTo(LogEntry.command(3, 5, new byte[] {1, 2}))
                .isNotEqualTo(LogEntry.command(2, 6, new byte[] {1, 2}))
                .isNotEqualTo(LogEntry.command(2, 5, new byte[] {1, 3}))
                .isNotEqualTo(new LogEntry(2, 5, EntryType.NO_OP, new byte[] {1, 2}))
                .isNotEqualTo("COMMAND@5/t2(2B)");
        assertThat(entry.hashCode()).isNotEqualTo(LogEntry.command(2, 6, new byte[] {1, 2}).hashCode())
                .isNotEqualTo(LogEntry.command(3, 5, new byte[] {1, 2}).hashCode());
    }

    @Test
    void snapshotMetadataIsEmptyOrPositiveInBothIndexAndTerm() {
        assertThat(SnapshotMetadata.empty(ONE).lastIncludedIndex()).isZero();
        assertThat(new SnapshotMetadata(1, 1, ONE).lastIncludedTerm()).isEqualTo(1);
        assertRefused(() -> new SnapshotMetadata(-1, 0, ONE), "negative snapshot index or term");
        assertRefused(() -> new SnapshotMetadata(0, -1, ONE), "negative snapshot index or term");
        assertRefused(() -> new SnapshotMetadata(0, 1, ONE), "must both be zero or both positive");
        assertRefused(() -> new SnapshotMetadata(1, 0, ONE), "must both be zero or both positive");
        assertRefused(() -> new SnapshotMetadata(1, 1, null), "configuration must not be null");
    }

    @Test
    void hardStateHasNoNegativeTermOrCommitIndex() {
        assertThat(new HardState(0, null, 0)).isEqualTo(HardState.INITIAL);
        assertRefused(() -> new HardState(-1, null, 0), "negative term or commit index: -1, 0");
        assertRefused(() -> new HardState(0, null, -1), "negative term or commit index: 0, -1");
    }

    private static void assertRefused(ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
