package io.caucus.kv.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.slf4j.event.KeyValuePair;

/**
 * {@code %node}: the node an event is about. The runtime names it as the key-value pair {@code node} (one JVM
 * may run several nodes); otherwise the process's own node ({@link LogSetup#nodeIs}); otherwise {@code -}.
 */
public final class NodeConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return nodeOf(event);
    }

    static String nodeOf(ILoggingEvent event) {
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                if (pair.key.equals("node")) {
                    return String.valueOf(pair.value);
                }
            }
        }
        String own = event.getLoggerContextVO().getPropertyMap().get(LogSetup.NODE_PROPERTY);
        return own != null ? own : "-";
    }
}
