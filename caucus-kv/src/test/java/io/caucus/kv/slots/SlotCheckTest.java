package io.caucus.kv.slots;

import static io.caucus.kv.slots.CommandKeysTest.argv;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.CommandTable;
import io.caucus.kv.slots.SlotCheck.Outcome;
import io.caucus.kv.slots.SlotCheck.Queued;
import io.caucus.kv.slots.SlotCheck.Single;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotCheckTest {

    private static Outcome slotOf(String... args) {
        List<byte[]> argv = argv(args);
        return SlotCheck.slotOf(CommandTable.resolve(argv), argv);
    }

    private static Queued queued(String... args) {
        List<byte[]> argv = argv(args);
        return new Queued(CommandTable.resolve(argv), argv);
    }

    private static Single slot(String key) {
        return new Single(KeySlot.of(key.getBytes(UTF_8)));
    }

    @Test
    void theOneSlotOfACommandsKeys() {
        assertThat(slotOf("GET", "a")).isEqualTo(slot("a"));
        assertThat(slotOf("MSET", "{u1}a", "1", "{u1}b", "2")).isEqualTo(slot("u1"));
        assertThat(slotOf("DEL", "a", "a")).isEqualTo(slot("a"));
        assertThat(slotOf("EVAL", "return 1", "2", "{t}x", "{t}y", "not-a-key")).isEqualTo(slot("t"));
    }

    @Test
    void keylessCommandsRunAnywhere() {
        assertThat(slotOf("PING")).isEqualTo(SlotCheck.KEYLESS);
        assertThat(slotOf("EVAL", "return 1", "0")).isEqualTo(SlotCheck.KEYLESS);
        assertThat(slotOf("DBSIZE")).isEqualTo(SlotCheck.KEYLESS);
    }

    @Test
    void keysOfTwoSlotsAreCrossSlot() {
        assertThat(KeySlot.of("a".getBytes(UTF_8))).isNotEqualTo(KeySlot.of("b".getBytes(UTF_8)));
        assertThat(slotOf("MSET", "a", "1", "b", "2")).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(slotOf("SUNIONSTORE", "a", "b", "c")).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(slotOf("EVAL", "return 1", "2", "a", "b")).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(slotOf("WATCH", "a", "b")).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(SlotCheck.CROSSSLOT.line()).isEqualTo("CROSSSLOT Keys in request don't hash to the same slot");
    }

    @Test
    void combiningIsKeylessNeutralAndCrossSlotAbsorbing() {
        Outcome a = slot("a");
        Outcome b = slot("b");
        assertThat(SlotCheck.combine(SlotCheck.KEYLESS, a)).isEqualTo(a);
        assertThat(SlotCheck.combine(a, SlotCheck.KEYLESS)).isEqualTo(a);
        assertThat(SlotCheck.combine(a, slot("a"))).isEqualTo(a);
        assertThat(SlotCheck.combine(a, b)).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(SlotCheck.combine(SlotCheck.CROSS_SLOT, SlotCheck.KEYLESS)).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(SlotCheck.combine(SlotCheck.KEYLESS, SlotCheck.CROSS_SLOT)).isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(SlotCheck.combine(SlotCheck.KEYLESS, SlotCheck.KEYLESS)).isEqualTo(SlotCheck.KEYLESS);
    }

    @Test
    void aTransactionsSlotIsItsQueuedCommandsTogether() {
        assertThat(SlotCheck.slotOfAll(List.of())).isEqualTo(SlotCheck.KEYLESS);
        assertThat(SlotCheck.slotOfAll(List.of(queued("SET", "{a}1", "x"), queued("PING"),
                queued("INCR", "{a}2")))).isEqualTo(slot("a"));
        assertThat(SlotCheck.slotOfAll(List.of(queued("SET", "a", "x"), queued("SET", "b", "y"))))
                .isEqualTo(SlotCheck.CROSS_SLOT);
        assertThat(SlotCheck.slotOfAll(List.of(queued("PING"), queued("DBSIZE")))).isEqualTo(SlotCheck.KEYLESS);
    }
}
