package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @Test
    void readsTheLogsFormWithoutLookingTheHostUp() {
        InetSocketAddress named = HostPort.parseUnresolved("n1.caucus.svc.cluster.local:7000");
        assertThat(named.isUnresolved()).isTrue();
        assertThat(named.getHostString()).isEqualTo("n1.caucus.svc.cluster.local");
        InetSocketAddress v6 = HostPort.parseUnresolved("[::1]:7002");
        assertThat(v6.isUnresolved()).isTrue();
        assertThat(HostPort.format(v6)).isEqualTo("[::1]:7002");
        assertThatThrownBy(() -> HostPort.parseUnresolved("::1:7002")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in brackets");
    }

    @Test
    void parsesNamesIpv4AndBracketedIpv6() throws Exception {
        assertThat(HostPort.parse("127.0.0.1:7000"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7000));
        assertThat(HostPort.parse(" localhost:7001 ").getPort()).isEqualTo(7001);
        assertThat(HostPort.parse("[::1]:7002"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 7002));
    }

    @Test
    void formatsWhatItParses() throws Exception {
        InetSocketAddress ipv6 = new InetSocketAddress(InetAddress.getByName("::1"), 7000);
        assertThat(HostPort.format(ipv6)).isEqualTo("[0:0:0:0:0:0:0:1]:7000");
        assertThat(HostPort.parse(HostPort.format(ipv6))).isEqualTo(ipv6);
        assertThat(HostPort.format(new InetSocketAddress("127.0.0.1", 8080))).isEqualTo("127.0.0.1:8080");
        assertThat(HostPort.format(InetSocketAddress.createUnresolved("db.example", 6379)))
                .isEqualTo("db.example:6379");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1       | expected host:port
            :7000           | expected host:port
            127.0.0.1:      | expected host:port
            ::1:7000        | IPv6 address in brackets
            [::1]7000       | expected host:port
            []:7000         | expected host:port
            127.0.0.1:x     | port is not a number
            127.0.0.1:0     | port must be 1-65535, got 0
            127.0.0.1:65536 | port must be 1-65535, got 65536
            """)
    void refusesWhatIsNotHostPort(String text, String expected) {
        assertThatThrownBy(() -> HostPort.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected);
    }
}
