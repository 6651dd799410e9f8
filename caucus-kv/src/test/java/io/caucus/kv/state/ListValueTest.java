package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ListValueTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> contents(ListValue list) {
        List<String> texts = new ArrayList<>();
        for (byte[] element : list) {
            texts.add(new String(element, StandardCharsets.UTF_8));
        }
        return texts;
    }

    @Test
    void bothEndsPushAndPop() {
        ListValue list = new ListValue();
        list.addLast(b("b"));
        list.addFirst(b("a"));
        list.addLast(b("c"));
        assertThat(contents(list)).containsExactly("a", "b", "c");
        assertThat(list.size()).isEqualTo(3);
        assertThat(list.removeFirst()).isEqualTo(b("a"));
        assertThat(list.removeLast()).isEqualTo(b("c"));
        assertThat(list.removeLast()).isEqualTo(b("b"));
        assertThat(list.isEmpty()).isTrue();
        assertThatThrownBy(list::removeFirst).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(list::removeLast).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void indexesAcrossTheWrapOfTheArray() {
        ListValue list = new ListValue();
        for (int i = 0; i < 5; i++) {
            list.addLast(b("r" + i));
            list.addFirst(b("l" + i)); // the head wraps to the end of the array
        }
        assertThat(contents(list)).containsExactly("l4", "l3", "l2", "l1", "l0", "r0", "r1", "r2", "r3", "r4");
        assertThat(list.get(0)).isEqualTo(b("l4"));
        assertThat(list.get(9)).isEqualTo(b("r4"));
        assertThat(list.set(5, b("x"))).isEqualTo(b("r0"));
        assertThat(list.get(5)).isEqualTo(b("x"));
        assertThatThrownBy(() -> list.get(10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.set(10, b("y"))).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void insertAndRemoveInTheMiddleMoveTheShorterSide() {
        ListValue list = ListValue.of(b("a"), b("b"), b("c"), b("d"));
        list.insert(1, b("x")); // near the head
        list.insert(4, b("y")); // near the tail
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
    void retainRangeKeepsTheMiddle() {
        ListValue list = ListValue.of(b("a"), b("b"), b("c"), b("d"), b("e"));
        list.retainRange(1, 4);
        assertThat(contents(list)).containsExactly("b", "c", "d");
        list.retainRange(0, 0);
        assertThat(list.isEmpty()).isTrue();
        assertThatThrownBy(() -> list.retainRange(0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void removeEqualFromEitherEndWithALimit() {
        ListValue list = ListValue.of(b("a"), b("b"), b("a"), b("c"), b("a"));
        assertThat(list.removeEqual(b("a"), 1, true)).isEqualTo(1);
        assertThat(contents(list)).containsExactly("a", "b", "a", "c");
        assertThat(list.removeEqual(b("a"), 1, false)).isEqualTo(1);
        assertThat(contents(list)).containsExactly("b", "a", "c");
        assertThat(list.removeEqual(b("zz"), Long.MAX_VALUE, false)).isZero();
        assertThat(list.removeEqual(b("a"), Long.MAX_VALUE, true)).isEqualTo(1);
        assertThat(contents(list)).containsExactly("b", "c");
    }

    @Test
    void aDrainedQueueGivesItsArrayBack() {
        ListValue list = new ListValue();
        for (int i = 0; i < 10_000; i++) {
            list.addLast(b(Integer.toString(i)));
        }
        assertThat(list.capacity()).isEqualTo(16_384);
        for (int i = 0; i < 9_990; i++) {
            assertThat(list.removeFirst()).isEqualTo(b(Integer.toString(i)));
        }
        assertThat(list.capacity()).isLessThanOrEqualTo(64);
        while (!list.isEmpty()) {
            list.removeLast();
        }
        assertThat(list.capacity()).isEqualTo(ListValue.MIN_CAPACITY);
    }

    @Test
    void aTrimShrinksAtOnce() {
        ListValue list = new ListValue();
        for (int i = 0; i < 1000; i++) {
            list.addFirst(b(Integer.toString(i)));
        }
        list.retainRange(500, 503);
        assertThat(list.capacity()).isEqualTo(ListValue.MIN_CAPACITY);
        assertThat(contents(list)).containsExactly("499", "498", "497");
    }

    @Test
    void aCopySharesElementsButNotTheArray() {
        ListValue list = ListValue.of(b("a"), b("b"), b("c"));
        list.removeFirst();
        list.addLast(b("d"));
        ListValue copy = list.copy();
        assertThat(copy.get(0)).isSameAs(list.get(0));
        copy.addFirst(b("x"));
        copy.set(1, b("y"));
        list.removeLast();
        assertThat(contents(list)).containsExactly("b", "c");
        assertThat(contents(copy)).containsExactly("x", "y", "c", "d");
        assertThat(new ListValue().copy().size()).isZero();
    }

    /** Random operations against a plain ArrayList, so every wrap and resize meets every operation. */
    @Test
    void behavesAsAnArrayListUnderRandomOperations() {
        Random random = new Random(42);
        ListValue list = new ListValue();
        List<byte[]> model = new ArrayList<>();
        for (int step = 0; step < 100_000; step++) {
            byte[] value = b(Integer.toString(random.nextInt(20)));
            int operation = random.nextInt(100);
            // Biased towards growth at first, towards shrinking later, so the array goes both ways.
            boolean growing = (step / 10_000) % 2 == 0;
            if (operation < (growing ? 30 : 15)) {
                list.addFirst(value);
                model.addFirst(value);
            } else if (operation < (growing ? 60 : 30)) {
                list.addLast(value);
                model.addLast(value);
            } else if (model.isEmpty()) {
                continue;
            } else if (operation < 50) {
                assertThat(list.removeFirst()).isSameAs(model.removeFirst());
            } else if (operation < 70) {
                assertThat(list.removeLast()).isSameAs(model.removeLast());
            } else if (operation < 78) {
                int index = random.nextInt(model.size() + 1);
                list.insert(index, value);
                model.add(index, value);
            } else if (operation < 86) {
                int index = random.nextInt(model.size());
                assertThat(list.remove(index)).isSameAs(model.remove(index));
            } else if (operation < 92) {
                int index = random.nextInt(model.size());
                assertThat(list.set(index, value)).isSameAs(model.set(index, value));
            } else if (operation < 94) {
                int from = random.nextInt(model.size() + 1);
                int to = from + random.nextInt(model.size() - from + 1);
                list.retainRange(from, to);
                model = new ArrayList<>(model.subList(from, to));
            } else if (operation < 96) {
                long limit = random.nextInt(4);
                boolean fromTail = random.nextBoolean();
                assertThat(list.removeEqual(value, limit == 0 ? Long.MAX_VALUE : limit, fromTail))
                        .isEqualTo(removeEqual(model, value, limit == 0 ? Long.MAX_VALUE : limit, fromTail));
            } else {
                ListValue copy = list.copy();
                assertThat(contents(copy)).isEqualTo(contents(list));
                list = copy;
            }
            assertThat(list.size()).isEqualTo(model.size());
            if (!model.isEmpty()) {
                int index = random.nextInt(model.size());
                assertThat(list.get(index)).isSameAs(model.get(index));
            }
            assertThat(list.capacity()).isBetween(ListValue.MIN_CAPACITY, Math.max(ListValue.MIN_CAPACITY,
                    model.size() * 8));
        }
        List<byte[]> all = new ArrayList<>();
        list.forEach(all::add);
        assertThat(all).containsExactlyElementsOf(model);
    }

    private static int removeEqual(List<byte[]> model, byte[] value, long limit, boolean fromTail) {
        int removed = 0;
        for (int walked = 0, size = model.size(); walked < size && removed < limit; walked++) {
            int index = fromTail ? size - 1 - walked : walked - removed;
            if (Arrays.equals(model.get(index), value)) {
                model.remove(index);
                removed++;
            }
        }
        return removed;
    }
}
