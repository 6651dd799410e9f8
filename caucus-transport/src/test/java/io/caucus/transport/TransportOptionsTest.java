package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransportOptionsTest {

    @Test
    void defaultsAreValidAndBounded() {
        TransportOptions options = TransportOptions.defaults();
        assertThat(options.maxFrameBytes()).isEqualTo(16 * 1024 * 1024);
        assertThat(options.maxQueuedBytes()).isGreaterThanOrEqualTo(options.maxFrameBytes());
        assertThat(options.ioThreads()).isBetween(1, 2);
    }

    @Test
    void queueByteBoundBelowTheFrameLimitIsRefused() {
        assertThatThrownBy(() -> TransportOptions.defaults().withQueueBounds(10, 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxQueuedBytes (1024) must be at least maxFrameBytes");
    }

    @Test
    void raisingTheFrameLimitRaisesTheByteBound() {
        TransportOptions options = TransportOptions.defaults().withMaxFrameBytes(128 * 1024 * 1024);
        assertThat(options.maxQueuedBytes()).isEqualTo(128L * 1024 * 1024);
    }

    @Test
    void invalidValuesNameTheOption() {
        assertThatThrownBy(() -> TransportOptions.defaults().withReconnectBackoff(100, 10))
                .hasMessageContaining("reconnectMaxMillis");
        assertThatThrownBy(() -> TransportOptions.defaults().withClusterName(" "))
                .hasMessageContaining("clusterName");
        assertThatThrownBy(() -> TransportOptions.defaults().withMaxFrameBytes(10))
                .hasMessageContaining("maxFrameBytes");
        assertThatThrownBy(() -> TransportOptions.defaults().withIoThreads(0))
                .hasMessageContaining("ioThreads");
    }
}
