package io.caucus.kv.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminJsonTest {

    @Test
    void anErrorBodyEscapesItsMessageAndReadsBack() {
        String message = "quote \" backslash \\ newline \n tab \t control \u0001 non-ASCII é";
        String body = MembershipJson.error("BAD_REQUEST", message, NodeId.of("n1"),
                new InetSocketAddress("127.0.0.1", 8081));
        assertThat(body).startsWith("{\"error\":\"BAD_REQUEST\",\"message\":\"quote \\\" backslash \\\\ newline \\n")
                .endsWith(",\"leader\":\"n1\",\"leaderHttp\":\"127.0.0.1:8081\"}\n");
        assertThat(AdminJson.parseObject(body)).containsEntry("message", message).containsEntry("leader", "n1");
        assertThat(MembershipJson.error("NOLEADER", "none", null, null))
                .isEqualTo("{\"error\":\"NOLEADER\",\"message\":\"none\",\"leader\":null,\"leaderHttp\":null}\n");
    }

    @Test
    void parsesAnObjectWithItsFieldsInOrder() {
        Map<String, Object> object = AdminJson.parseObject(
                "{\"b\": 1, \"a\": [\"x\", null], \"c\": {\"d\": true}, \"e\": 1.5, \"f\": 12345678901}");
        assertThat(object.keySet()).containsExactly("b", "a", "c", "e", "f");
        assertThat(object.get("a")).isEqualTo(java.util.Arrays.asList("x", null));
        assertThat(object.get("c")).isEqualTo(Map.of("d", true));
        assertThat(object.get("f")).isEqualTo(12345678901L);
    }

    @Test
    void refusesWhatIsNotOneJsonObject() {
        for (String text : List.of("", "[1, 2]", "\"text\"", "null", "{\"id\": ", "id: n4", "{} {}", "{\"a\":1} x")) {
            assertThatThrownBy(() -> AdminJson.parseObject(text)).as(text)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
