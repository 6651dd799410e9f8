package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A line about one of a host's groups names the group beside the node, in text and in JSON; other lines do not. */
class NodeConverterTest {

    private final LoggerContext context = new LoggerContext();

    private LoggingEvent event(Map<String, String> logContext) {
        context.putProperty(LogSetup.NODE_PROPERTY, "n1");
        LoggingEvent event = new LoggingEvent(getClass().getName(), context.getLogger("io.caucus.Test"), Level.INFO,
                "leader of term {} is {}", null, new Object[] {3, "n2"});
        event.setMDCPropertyMap(logContext);
        return event;
    }

    @Test
    void aGroupsLineSaysWhichGroupAndAOneGroupNodesLineIsAsBefore() throws Exception {
        assertThat(new NodeConverter().convert(event(Map.of("group", "5")))).isEqualTo("n1/g5");
        assertThat(new NodeConverter().convert(event(Map.of()))).isEqualTo("n1");

        JsonLineLayout layout = new JsonLineLayout();
        layout.setContext(context);
        layout.start();
        JsonNode grouped = new ObjectMapper().readTree(layout.doLayout(event(Map.of("group", "5"))));
        assertThat(grouped.get("node").asText()).isEqualTo("n1");
        assertThat(grouped.get("group").asText()).isEqualTo("5");
        assertThat(new ObjectMapper().readTree(layout.doLayout(event(Map.of()))).has("group")).isFalse();
    }
}
