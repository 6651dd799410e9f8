package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryLogTest {

    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1");

    private static List<LogEntry> entries(long term, long first, int count, int payloadBytes) {
        return java.util.stream.LongStream.range(first, first + count)
                .mapToObj(i -> LogEntry.command(term, i, new byte[payloadBytes])).toList();
    }

    @Test
    void anEmptyLogStartsAtOneWithTermZeroBeforeIt() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        assertThat(log.firstIndex()).isEqualTo(1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.term(0)).isZero();
        assertThat(log.entries(1, 1, 100)).isEmpty();
        assertThatThrownBy(() -> log.term(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void appendTruncatesAConflictingSuffix() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, 1, 5, 0));
        log.append(entries(2, 3, 1, 0));
        assertThat(log.lastIndex()).isEqualTo(3);
        assertThat(log.term(2)).isEqualTo(1);
        assertThat(log.term(3)).isEqualTo(2);
        log.append(List.of());
        assertThat(log.lastIndex()).isEqualTo(3);
    }

    @Test
    void appendRefusesGapsAndNonConsecutiveEntries() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, 1, 2, 0));
        assertThatThrownBy(() -> log.append(entries(1, 4, 1, 0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.append(List.of(LogEntry.command(1, 3, null), LogEntry.command(1, 5, null))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void entriesStopAtTheByteLimitButReturnAtLeastOne() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, 1, 4, 100));
        long one = LogEntry.OVERHEAD_BYTES + 100;
        assertThat(log.entries(1, 5, 1)).hasSize(1);
        assertThat(log.entries(1, 5, one)).hasSize(1);
        assertThat(log.entries(1, 5, 2 * one)).hasSize(2);
        assertThat(log.entries(1, 5, Long.MAX_VALUE)).hasSize(4);
        assertThat(log.entries(2, 4, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(2L, 3L);
        assertThatThrownBy(() -> log.entries(0, 2, 10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.entries(1, 6, 10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.entries(3, 2, 10)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aSnapshotDropsThePrefixAndKeepsAnAgreeingSuffix() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, 1, 5, 0));
        log.installSnapshot(new SnapshotMetadata(3, 1, CONFIGURATION));
        assertThat(log.firstIndex()).isEqualTo(4);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.term(3)).isEqualTo(1);
        assertThat(log.get(4).index()).isEqualTo(4);
        assertThatThrownBy(() -> log.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.append(entries(1, 3, 1, 0))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSnapshotThatDisagreesReplacesTheWholeLog() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, 1, 5, 0));
        log.installSnapshot(new SnapshotMetadata(4, 2, CONFIGURATION));
        assertThat(log.firstIndex()).isEqualTo(5);
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(4)).isEqualTo(2);
        InMemoryLog beyond = new InMemoryLog(CONFIGURATION);
        beyond.append(entries(1, 1, 2, 0));
        beyond.installSnapshot(new SnapshotMetadata(9, 3, CONFIGURATION));
        assertThat(beyond.lastIndex()).isEqualTo(9);
        assertThat(beyond.snapshot().lastIncludedTerm()).isEqualTo(3);
    }

    @Test
    void aCopyIsIndependent() {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, 1, 3, 0));
        InMemoryLog copy = log.copy();
        log.truncateSuffix(2);
        assertThat(log.lastIndex()).isEqualTo(1);
        assertThat(copy.lastIndex()).isEqualTo(3);
        assertThat(copy.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 3, 0));
    }
}
