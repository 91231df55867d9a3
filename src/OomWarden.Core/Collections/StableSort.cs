namespace OomWarden.Core.Collections;

/// <summary>A stable sort in place (equal elements keep their order): what Linq's <c>OrderBy</c>/<c>ThenBy</c> did
/// where the daemon sorts, without Linq's iterator, sorter and buffer types per element type, each of which costs
/// MethodTables in NativeAOT's <c>.hydrated</c>, resident for good (docs/DESIGN.md, "The daemon's .hydrated").
/// Insertion sort for short runs, merge sort above: n log n, one scratch array of n for long inputs.</summary>
public static class StableSort
{
    private const int InsertionMax = 16;

    public static void Sort<T>(T[] items, Comparison<T> compare) => Sort(items, items.Length, compare);

    /// <summary>The first <paramref name="count"/> items of <paramref name="items"/>.</summary>
    public static void Sort<T>(T[] items, int count, Comparison<T> compare)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)items.Length, nameof(count));
        if (count <= InsertionMax)
        {
            Insertion(items, 0, count, compare);
            return;
        }
        var scratch = new T[count];
        Merge(items, scratch, 0, count, compare);
    }

    /// <summary>A sorted array of the list's items (the list is not changed).</summary>
    public static T[] Sorted<T>(List<T> items, Comparison<T> compare)
    {
        var array = items.ToArray();
        Sort(array, compare);
        return array;
    }

    private static void Insertion<T>(T[] a, int from, int to, Comparison<T> compare)
    {
        for (int i = from + 1; i < to; i++)
        {
            var x = a[i];
            int j = i - 1;
            // Strictly greater moves: an equal element stays after the one before it.
            while (j >= from && compare(a[j], x) > 0)
            {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }

    private static void Merge<T>(T[] a, T[] scratch, int from, int to, Comparison<T> compare)
    {
        if (to - from <= InsertionMax)
        {
            Insertion(a, from, to, compare);
            return;
        }
        int mid = from + (to - from) / 2;
        Merge(a, scratch, from, mid, compare);
        Merge(a, scratch, mid, to, compare);
        if (compare(a[mid - 1], a[mid]) <= 0) return;
        Array.Copy(a, from, scratch, from, to - from);
        int l = from, r = mid, o = from;
        while (l < mid && r < to) a[o++] = compare(scratch[r], scratch[l]) < 0 ? scratch[r++] : scratch[l++];
        while (l < mid) a[o++] = scratch[l++];
        while (r < to) a[o++] = scratch[r++];
    }
}
