package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteListTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> contents(ByteList list) {
        List<String> out = new ArrayList<>();
        for (byte[] element : list) {
            out.add(new String(element, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static ByteList of(String... elements) {
        ByteList list = new ByteList();
        for (String element : elements) {
            list.addLast(b(element));
        }
        return list;
    }

    @Test
    void pushesAndPopsAtBothEnds() {
        ByteList list = new ByteList();
        assertThat(list.isEmpty()).isTrue();
        assertThat(list.peekFirst()).isNull();
        assertThat(list.peekLast()).isNull();
        list.addLast(b("b"));
        list.addFirst(b("a"));
        list.addLast(b("c"));
        assertThat(contents(list)).containsExactly("a", "b", "c");
        assertThat(list.size()).isEqualTo(3);
        assertThat(list.peekFirst()).isEqualTo(b("a"));
        assertThat(list.peekLast()).isEqualTo(b("c"));
        assertThat(list.removeFirst()).isEqualTo(b("a"));
        assertThat(list.removeLast()).isEqualTo(b("c"));
        assertThat(list.removeLast()).isEqualTo(b("b"));
        assertThat(list.isEmpty()).isTrue();
        assertThatThrownBy(list::removeFirst).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(list::removeLast).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> list.addFirst(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void getAndSetWrapAroundTheArray() {
        ByteList list = new ByteList();
        for (int i = 0; i < 5; i++) {
            list.addFirst(b("f" + i));
            list.addLast(b("l" + i));
        }
        assertThat(contents(list)).containsExactly("f4", "f3", "f2", "f1", "f0", "l0", "l1", "l2", "l3", "l4");
        assertThat(list.get(0)).isEqualTo(b("f4"));
        assertThat(list.get(9)).isEqualTo(b("l4"));
        assertThat(list.set(5, b("x"))).isEqualTo(b("l0"));
        assertThat(list.get(5)).isEqualTo(b("x"));
        assertThatThrownBy(() -> list.get(10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.set(10, b("y"))).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void insertAndRemoveInTheMiddle() {
        ByteList list = of("a", "b", "c", "d");
        list.insert(1, b("x")); // moves the front
        list.insert(4, b("y")); // moves the back
        list.insert(0, b("first"));
        list.insert(list.size(), b("last"));
        assertThat(contents(list)).containsExactly("first", "a", "x", "b", "c", "y", "d", "last");
        assertThat(list.remove(2)).isEqualTo(b("x"));
        assertThat(list.remove(4)).isEqualTo(b("y"));
        assertThat(list.remove(0)).isEqualTo(b("first"));
        assertThat(list.remove(list.size() - 1)).isEqualTo(b("last"));
        assertThat(contents(list)).containsExactly("a", "b", "c", "d");
        assertThatThrownBy(() -> list.insert(5, b("z"))).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.remove(4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void behavesLikeAnArrayListUnderRandomOperations() {
        Random random = new Random(3);
        ByteList list = new ByteList();
        List<byte[]> model = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            byte[] element = b(Integer.toString(step));
            int size = model.size();
            // Drift the size up and down (0 to 2,000) so the array grows, wraps and shrinks.
            int target = (int) (1_000 * (1 + Math.sin(step / 3_000.0)));
            boolean add = random.nextInt(10) < (size < target ? 7 : 3);
            switch (add ? random.nextInt(5) : 5 + random.nextInt(5)) {
                case 0, 1 -> {
                    list.addFirst(element);
                    model.add(0, element);
                }
                case 2, 3 -> {
                    list.addLast(element);
                    model.add(element);
                }
                case 4 -> {
                    int index = random.nextInt(size + 1);
                    list.insert(index, element);
                    model.add(index, element);
                }
                case 5 -> {
                    if (size > 0) {
                        int index = random.nextInt(size);
                        assertThat(list.set(index, element)).isSameAs(model.set(index, element));
                    }
                }
                case 6, 7 -> {
                    if (size > 0) {
                        assertThat(list.removeFirst()).isSameAs(model.remove(0));
                    }
                }
                case 8 -> {
                    if (size > 0) {
                        assertThat(list.removeLast()).isSameAs(model.remove(size - 1));
                    }
                }
                default -> {
                    if (size > 0) {
                        int index = random.nextInt(size);
                        assertThat(list.remove(index)).isSameAs(model.remove(index));
                    }
                }
            }
            assertThat(list.size()).isEqualTo(model.size());
            if (step % 4_999 == 0) {
                assertThat(list).containsExactlyElementsOf(model);
                assertThat(list.capacity()).isLessThanOrEqualTo(Math.max(ByteList.MIN_CAPACITY, 4 * model.size()));
            }
            if (!model.isEmpty()) {
                int index = random.nextInt(model.size());
                assertThat(list.get(index)).isSameAs(model.get(index));
            }
        }
    }

    @Test
    void aDrainedQueueGivesItsMemoryBack() {
        ByteList list = new ByteList();
        for (int i = 0; i < 100_000; i++) {
            list.addLast(b("x"));
        }
        assertThat(list.capacity()).isEqualTo(131_072);
        for (int i = 0; i < 99_990; i++) {
            list.removeFirst();
        }
        assertThat(list.capacity()).isLessThanOrEqualTo(64);
        while (!list.isEmpty()) {
            list.removeLast();
        }
        assertThat(list.capacity()).isEqualTo(ByteList.MIN_CAPACITY);
        // A queue that stays short never grows, however many elements pass through it.
        for (int i = 0; i < 100_000; i++) {
            list.addLast(b(Integer.toString(i)));
            if (list.size() > 5) {
                list.removeFirst();
            }
        }
        assertThat(list.capacity()).isEqualTo(ByteList.MIN_CAPACITY);
        assertThat(contents(list)).containsExactly("99995", "99996", "99997", "99998", "99999");
    }

    @Test
    void copiesAreIndependentButShareElements() {
        ByteList list = new ByteList();
        for (int i = 0; i < 20; i++) {
            list.addFirst(b(Integer.toString(i)));
        }
        ByteList copy = list.copy();
        assertThat(copy).containsExactlyElementsOf(list);
        assertThat(copy.get(3)).isSameAs(list.get(3));
        copy.removeFirst();
        copy.set(0, b("changed"));
        copy.addLast(b("more"));
        list.insert(5, b("inserted"));
        assertThat(list.size()).isEqualTo(21);
        assertThat(list.get(1)).isEqualTo(b("18"));
        assertThat(copy.size()).isEqualTo(20);
        assertThat(copy.get(0)).isEqualTo(b("changed"));
        assertThat(new ByteList().copy().isEmpty()).isTrue();
    }

    @Test
    void iteratesOverARange() {
        ByteList list = new ByteList(2);
        for (String s : new String[] {"c", "b", "a"}) {
            list.addFirst(b(s));
        }
        list.addLast(b("d"));
        List<String> seen = new ArrayList<>();
        list.iterator(1, 3).forEachRemaining(e -> seen.add(new String(e, StandardCharsets.UTF_8)));
        assertThat(seen).containsExactly("b", "c");
        assertThat(list.iterator(2, 2).hasNext()).isFalse();
        assertThat(list.toArray(1, 4)).isDeepEqualTo(new byte[][] {b("b"), b("c"), b("d")});
        assertThatThrownBy(() -> list.iterator(3, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.iterator(2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        Iterator<byte[]> all = list.iterator();
        all.next();
        list.addLast(b("e"));
        assertThatThrownBy(all::next).isInstanceOf(ConcurrentModificationException.class);
        Iterator<byte[]> done = list.iterator(0, 1);
        done.next();
        assertThatThrownBy(done::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void retainTrimsBothEnds() {
        ByteList list = new ByteList();
        for (int i = 0; i < 1000; i++) {
            list.addLast(b(Integer.toString(i)));
        }
        list.retain(10, 13);
        assertThat(contents(list)).containsExactly("10", "11", "12");
        assertThat(list.capacity()).isLessThanOrEqualTo(16);
        list.retain(0, 3);
        assertThat(list.size()).isEqualTo(3);
        list.retain(1, 1);
        assertThat(list.isEmpty()).isTrue();
        list.addFirst(b("again"));
        assertThat(contents(list)).containsExactly("again");
        list.clear();
        assertThat(list.isEmpty()).isTrue();
        assertThatThrownBy(() -> list.retain(0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /** Checked against LRANGE on redis-server 7.0.15 with the list a b c d e (size 5). */
    @Test
    void normalizeRangeIsLrange() {
        assertThat(ByteList.normalizeRange(0, -1, 5)).containsExactly(0, 4);
        assertThat(ByteList.normalizeRange(0, 0, 5)).containsExactly(0, 0);
        assertThat(ByteList.normalizeRange(1, 3, 5)).containsExactly(1, 3);
        assertThat(ByteList.normalizeRange(-2, -1, 5)).containsExactly(3, 4);
        assertThat(ByteList.normalizeRange(-100, 100, 5)).containsExactly(0, 4);
        assertThat(ByteList.normalizeRange(-100, -5, 5)).containsExactly(0, 0);
        assertThat(ByteList.normalizeRange(4, 10, 5)).containsExactly(4, 4);
        assertThat(ByteList.normalizeRange(2, 1, 5)).isNull();
        assertThat(ByteList.normalizeRange(5, 10, 5)).isNull();
        assertThat(ByteList.normalizeRange(-100, -6, 5)).isNull();
        assertThat(ByteList.normalizeRange(-1, -2, 5)).isNull();
        assertThat(ByteList.normalizeRange(0, -1, 0)).isNull();
        assertThat(ByteList.normalizeRange(0, 0, 0)).isNull();
        assertThat(ByteList.normalizeRange(Long.MIN_VALUE, Long.MAX_VALUE, 5)).containsExactly(0, 4);
        assertThat(ByteList.normalizeRange(Long.MAX_VALUE, Long.MAX_VALUE, 5)).isNull();
        assertThat(ByteList.normalizeRange(Long.MIN_VALUE, Long.MIN_VALUE, 5)).isNull();
    }
}
