package io.caucus.kv.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.slf4j.event.KeyValuePair;

/**
 * {@code %node}: the node an event is about, with its group in a process hosting many ({@code n1/g5}). The runtime names it as the key-value pair {@code node} (one JVM
 * may run several nodes); otherwise the process's own node ({@link LogSetup#nodeIs}); otherwise {@code -}.
 */
public final class NodeConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return nodeAndGroupOf(event);
    }

    /**
     * The node, and after a slash the Raft group a line is about when a process hosts many (the runtime puts it in
     * the logging context as {@code group}): {@code n1/g5}.
     */
    static String nodeAndGroupOf(ILoggingEvent event) {
        String group = groupOf(event);
        return group == null ? nodeOf(event) : nodeOf(event) + "/g" + group;
    }

    /** The group a line is about, or null for a one-group node's lines and a host's own. */
    static String groupOf(ILoggingEvent event) {
        java.util.Map<String, String> context = event.getMDCPropertyMap();
        return context == null ? null : context.get("group");
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
