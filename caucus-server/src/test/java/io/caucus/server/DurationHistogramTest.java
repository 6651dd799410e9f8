package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DurationHistogramTest {

    @Test
    void countsEachDurationUnderEveryBoundItDoesNotExceed() {
        DurationHistogram histogram = new DurationHistogram();
        histogram.observeNanos(TimeUnit.MICROSECONDS.toNanos(50));
        histogram.observeNanos(TimeUnit.MICROSECONDS.toNanos(100)); // on a bound: counted under it
        histogram.observeNanos(TimeUnit.MILLISECONDS.toNanos(3));
        histogram.observeNanos(TimeUnit.SECONDS.toNanos(20)); // past the last bound: only in +Inf

        long[] cumulative = histogram.cumulativeCounts();
        assertThat(cumulative).hasSize(DurationHistogram.UPPER_BOUNDS_SECONDS.length + 1);
        assertThat(cumulative[0]).isEqualTo(2); // le 0.0001
        assertThat(cumulative[indexOf(0.0025)]).isEqualTo(2);
        assertThat(cumulative[indexOf(0.005)]).isEqualTo(3);
        assertThat(cumulative[indexOf(10)]).isEqualTo(3);
        assertThat(cumulative[cumulative.length - 1]).isEqualTo(4);
        assertThat(histogram.sumSeconds()).isCloseTo(20.00315, within(1e-9));
    }

    private static int indexOf(double bound) {
        for (int i = 0; i < DurationHistogram.UPPER_BOUNDS_SECONDS.length; i++) {
            if (DurationHistogram.UPPER_BOUNDS_SECONDS[i] == bound) {
                return i;
            }
        }
        throw new IllegalArgumentException("no bound " + bound);
    }
}
