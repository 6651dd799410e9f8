package io.caucus.kv.slots;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected slots come from redis-server 7.0's {@code CLUSTER KEYSLOT}; SlotsRedisIT compares thousands more. */
class KeySlotTest {

    private static int slot(String key) {
        return KeySlot.of(key.getBytes(UTF_8));
    }

    private static int slot(byte... key) {
        return KeySlot.of(key);
    }

    @Test
    void crc16IsXmodemAsTheClusterSpecificationGivesIt() {
        byte[] vector = "123456789".getBytes(UTF_8);
        assertThat(KeySlot.crc16(vector, 0, vector.length)).isEqualTo(0x31C3);
        assertThat(slot("123456789")).isEqualTo(0x31C3); // below 16384: the slot is the CRC itself
        assertThat(KeySlot.crc16(new byte[0], 0, 0)).isZero();
    }

    @Test
    void keysWithTheSameHashtagShareTheTagsSlot() {
        assertThat(slot("{user1000}.following")).isEqualTo(slot("{user1000}.followers")).isEqualTo(slot("user1000"))
                .isEqualTo(3443);
    }

    @Test
    void anEmptyHashtagHashesTheWholeKey() {
        assertThat(slot("foo{}{bar}")).isEqualTo(8363).isNotEqualTo(slot("bar"));
        assertThat(slot("{}")).isEqualTo(15257);
    }

    @Test
    void theTagRunsFromTheFirstOpeningBraceToTheFirstClosingBraceAfterIt() {
        assertThat(slot("foo{{bar}}zap")).isEqualTo(slot("{bar")).isEqualTo(4015);
        assertThat(slot("foo{bar}{zap}")).isEqualTo(slot("bar")).isEqualTo(5061);
        assertThat(slot("}{")).isEqualTo(12793); // a closing brace before the opening one: no tag
        assertThat(slot("{")).isEqualTo(4092);
    }

    @Test
    void binaryKeysHashEveryByte() {
        assertThat(slot(new byte[0])).isZero();
        assertThat(slot((byte) 0)).isZero();
        assertThat(slot((byte) 0xFF, (byte) 0xFE, (byte) '{', (byte) 0, (byte) '}', (byte) 'x')).isZero();
        assertThat(slot((byte) 'a', (byte) '{', (byte) 0xFF, (byte) '}', (byte) 'b')).isEqualTo(7920);
        assertThat(slot((byte) '{', (byte) 0, (byte) 1, (byte) '}')).isEqualTo(4129);
    }

    @Test
    void everySlotIsWithinRange() {
        java.util.Random random = new java.util.Random(23);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            assertThat(KeySlot.of(key)).isBetween(0, KeySlot.SLOTS - 1);
        }
    }
}
