package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SnapshotOptionsTest {

    private final SnapshotOptions options = SnapshotOptions.DEFAULTS.withThresholds(1000, 1 << 20);

    @Test
    void aSnapshotIsDueOnceEitherThresholdStretchedByTheDrawIsPassed() {
        assertThat(options.isDue(999, 0, 0)).isFalse();
        assertThat(options.isDue(1000, 0, 0)).isTrue();
        assertThat(options.isDue(1199, 0, 0.2)).isFalse();
        assertThat(options.isDue(1200, 0, 0.2)).isTrue();
        assertThat(options.isDue(0, (1 << 20) + (1 << 18) - 1, 0.25)).isFalse();
        assertThat(options.isDue(0, (1 << 20) + (1 << 18), 0.25)).isTrue();
        assertThat(SnapshotOptions.DEFAULTS.withThresholds(0, 0).isDue(Long.MAX_VALUE, Long.MAX_VALUE, 0)).isFalse();
    }

    @Test
    void aThresholdCountsOnlyOnceTheLogOutgrowsTheLastSnapshotByTheRatio() {
        assertThat(SnapshotOptions.DEFAULTS.logToSnapshotRatio()).isEqualTo(4);
        assertThat(options.logOutgrows(0, 0)).isTrue(); // no snapshot yet: the thresholds alone
        assertThat(options.logOutgrows(4_000_000 - 1, 1_000_000)).isFalse();
        assertThat(options.logOutgrows(4_000_000, 1_000_000)).isTrue();
        SnapshotOptions none = options.withLogToSnapshotRatio(0);
        assertThat(none.logOutgrows(0, Long.MAX_VALUE)).isTrue();
        assertThat(none.withThresholds(5, 6).logToSnapshotRatio()).isZero(); // the withers keep the ratio
        assertThatThrownBy(() -> options.withLogToSnapshotRatio(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withLogToSnapshotRatio(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void drawsSpreadOverTheWholeStaggerAndNeverPastIt() {
        double[] draws = IntStream.range(0, 10_000).mapToDouble(i -> SnapshotOptions.drawStretch()).toArray();
        assertThat(Arrays.stream(draws).allMatch(d -> d >= 0 && d < SnapshotOptions.STAGGER)).isTrue();
        // Spread, not one value: replicas must not keep landing on the same index.
        assertThat(Arrays.stream(draws).min().orElseThrow()).isLessThan(SnapshotOptions.STAGGER / 10);
        assertThat(Arrays.stream(draws).max().orElseThrow()).isGreaterThan(SnapshotOptions.STAGGER * 0.9);
    }
}
