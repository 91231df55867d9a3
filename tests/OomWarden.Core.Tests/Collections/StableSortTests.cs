using CsCheck;
using OomWarden.Core.Collections;

namespace OomWarden.Core.Tests.Collections;

/// <summary>StableSort replaces Linq's OrderBy/ThenBy on daemon paths: it must give exactly OrderBy's order, equal
/// keys included (stable), at every length, on both sides of the insertion-sort threshold.</summary>
public sealed class StableSortTests
{
    private sealed record Item(int Key, int Seq);

    private static readonly Comparison<Item> ByKey = static (a, b) => a.Key.CompareTo(b.Key);

    [Fact]
    public void Gives_the_order_of_OrderBy_with_ties_kept_in_input_order()
    {
        // Few distinct keys: many ties, so an unstable sort would be caught.
        Gen.Int[0, 5].Array[0, 200].Sample(keys =>
        {
            var items = new Item[keys.Length];
            for (int i = 0; i < keys.Length; i++) items[i] = new Item(keys[i], i);
            var expected = items.OrderBy(x => x.Key).ToArray();
            StableSort.Sort(items, ByKey);
            Assert.Equal(expected, items);
        }, iter: 2000);
    }

    [Fact]
    public void Sorts_a_prefix_only_and_Sorted_leaves_the_list_alone()
    {
        var items = new[] { new Item(3, 0), new Item(1, 1), new Item(2, 2), new Item(0, 3) };
        StableSort.Sort(items, 3, ByKey);
        Assert.Equal([1, 2, 3, 0], items.Select(x => x.Key));
        var list = new List<Item> { new(2, 0), new(1, 1), new(2, 2), new(1, 3) };
        var sorted = StableSort.Sorted(list, ByKey);
        Assert.Equal([1, 3, 0, 2], sorted.Select(x => x.Seq));
        Assert.Equal([0, 1, 2, 3], list.Select(x => x.Seq));
        Assert.Throws<ArgumentOutOfRangeException>(() => StableSort.Sort(items, 5, ByKey));
    }

    [Fact]
    public void Descending_by_a_reversed_comparison_is_OrderByDescending()
    {
        Gen.Int[0, 3].Array[17, 100].Sample(keys =>
        {
            var items = new Item[keys.Length];
            for (int i = 0; i < keys.Length; i++) items[i] = new Item(keys[i], i);
            var expected = items.OrderByDescending(x => x.Key).ToArray();
            StableSort.Sort(items, static (a, b) => b.Key.CompareTo(a.Key));
            Assert.Equal(expected, items);
        }, iter: 500);
    }
}
