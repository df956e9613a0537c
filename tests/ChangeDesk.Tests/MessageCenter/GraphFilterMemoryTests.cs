using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>Measures the whole process (managed heap, EF Core's query cache), so nothing else may run beside it.</summary>
[CollectionDefinition(nameof(ProcessMemoryMeasured), DisableParallelization = true)]
public sealed class ProcessMemoryMeasured;

/// <summary>
/// A tenant admin can send any number of distinct $filters; the service must not keep a compiled query (and its
/// SQL) per distinct value. Literals are parameters, so EF Core compiles one query per filter shape.
/// </summary>
[Collection(nameof(ProcessMemoryMeasured))]
public sealed class GraphFilterMemoryTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    const int Distinct = 10_000;

    // With literals written into the SQL, 10,000 distinct filters filled EF Core's query cache to its size limit
    // (about 1,000 compiled queries: SizeLimit 10,240, size 10 each) and the live heap grew by 9 MB here, where the
    // cache's limit stops it; in the service, the churn of compiled queries also raised RSS by hundreds of MB. With
    // parameters the heap after the run is the heap after the warm-up: 0 MB measured; 4 MB leaves room for pools and
    // buffers of the test host, and is still less than half of what the old code kept.
    const long HeapGrowthBound = 4L * 1024 * 1024;

    // Eight shapes, each compiled once as a list query and once as a count during the warm-up; the distinct values add
    // none. The old code added about 870 here.
    const int CacheGrowthBound = 20;

    /// <summary>The i-th filter: eight shapes, every literal different from any other i's.</summary>
    static string Filter(int i, DateTimeOffset t0) => (i % 8) switch
    {
        0 => $"title eq 'Printer {i}'",
        1 => $"contains(title,'{i}x')",
        2 => $"startswith(tolower(title),'p{i}')",
        3 => $"startDateTime gt {t0.AddSeconds(i).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}",
        4 => $"services/any(s:s eq 'Service {i}')",
        5 => $"id in ('MC{i}','MC{i + 1}')",
        6 => $"severity eq 'high' and endswith(title,'{i}')",
        _ => $"lastModifiedDateTime lt {t0.AddMinutes(-i).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} or category eq 'c{i}'",
    };

    [Fact]
    public async Task TenThousandDistinctFiltersKeepTheQueryCacheAndTheHeapFlat()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var printer = await app.AnnounceAsync(rm, new ChangeSpec { Title = "Printer 8", Severity = "high" }, tenant.Id);
        var t0 = app.Clock.GetUtcNow();

        async Task SendAsync(int[] filters)
        {
            var next = -1;
            var workers = Enumerable.Range(0, 4).Select(async _ =>
            {
                for (var n = Interlocked.Increment(ref next); n < filters.Length; n = Interlocked.Increment(ref next))
                {
                    var url = "/graph/v1.0/admin/serviceAnnouncement/messages?$top=5&$count=true&$filter=" + Uri.EscapeDataString(Filter(filters[n], t0));
                    using var response = await admin.Client.GetAsync(url, Ct);
                    Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                }
            });
            await Task.WhenAll(workers);
        }

        // Warm-up: each shape with one value, 50 times over: every shape compiled, pools and JIT settled.
        await SendAsync([.. Enumerable.Repeat(Enumerable.Range(1_000_000, 8), 50).SelectMany(i => i)]);
        var heapBefore = SettledHeap();
        var cacheBefore = QueryCacheEntries();

        await SendAsync([.. Enumerable.Range(0, Distinct)]);
        var heapAfter = SettledHeap();
        var cacheAfter = QueryCacheEntries();

        var report = $"live heap {heapBefore / 1024} KB -> {heapAfter / 1024} KB; EF query cache {cacheBefore} -> {cacheAfter} entries";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.True(cacheAfter - cacheBefore < CacheGrowthBound, $"EF Core's query cache grew over {Distinct} distinct filters of 8 shapes: {report}");
        Assert.True(heapAfter - heapBefore < HeapGrowthBound, $"The managed heap grew over {Distinct} distinct filters: {report}");

        // Still the right answers: the parameters carry the values.
        var page = await admin.GetJsonAsync<JsonElement>("/graph/v1.0/admin/serviceAnnouncement/messages?$filter="
            + Uri.EscapeDataString(Filter(0, t0).Replace("Printer 0", "Printer 8")));
        Assert.Equal(printer.MessageId, Assert.Single(page.GetProperty("value").EnumerateArray()).GetProperty("id").GetString());
        var count = await admin.Client.GetStringAsync("/graph/v1.0/admin/serviceAnnouncement/messages/$count?$filter="
            + Uri.EscapeDataString("severity eq 'high' and endswith(title,'8')"), Ct);
        Assert.Equal("1", count);
    }

    static long SettledHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The entries of the memory cache EF Core keeps its compiled queries in (the one the service's DbContext uses).</summary>
    int QueryCacheEntries()
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        return Assert.IsType<MemoryCache>(db.GetService<IMemoryCache>()).Count;
    }
}
