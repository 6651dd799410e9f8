package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepeatFilterTest {

    private final RepeatFilter filter = new RepeatFilter(100);

    @Test
    void theFirstOccurrenceOfAKeyIsLoggedAndRepeatsWithinTheIntervalAreHeldBack() {
        assertThat(filter.occurred("host reason", 0)).isEqualTo(new RepeatFilter.Verdict(true, 0));
        assertThat(filter.occurred("host reason", 10)).isEqualTo(new RepeatFilter.Verdict(false, 1));
        assertThat(filter.occurred("host reason", 99)).isEqualTo(new RepeatFilter.Verdict(false, 2));
        assertThat(filter.occurred("other reason", 50)).isEqualTo(new RepeatFilter.Verdict(true, 0));
    }

    @Test
    void afterTheIntervalTheNextOccurrenceIsLoggedWithTheCountHeldBack() {
        filter.occurred("k", 0);
        filter.occurred("k", 1);
        filter.occurred("k", 2);
        assertThat(filter.occurred("k", 100)).isEqualTo(new RepeatFilter.Verdict(true, 2));
        assertThat(filter.occurred("k", 150)).isEqualTo(new RepeatFilter.Verdict(false, 1));
        assertThat(filter.occurred("k", 300)).isEqualTo(new RepeatFilter.Verdict(true, 1));
        assertThat(filter.occurred("k", 500)).isEqualTo(new RepeatFilter.Verdict(true, 0));
    }

    @Test
    void manyDistinctKeysDoNotGrowItWithoutBound() {
        for (int i = 0; i < 5_000; i++) {
            assertThat(filter.occurred("host-" + i, 0).log()).isTrue();
        }
        assertThat(filter.occurred("host-4999", 1).log()).isFalse();
    }
}
