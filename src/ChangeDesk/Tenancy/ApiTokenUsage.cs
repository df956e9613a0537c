using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Tenancy;

/// <summary>
/// When API tokens were last used, written in the background: a request only notes the time, and the notes are
/// written with one statement every <see cref="Interval"/> (and at shutdown). Writing it in the request, as before, put
/// a write transaction in front of the first read of every token each minute; on SQLite those writers queue for the
/// database's one writer. The time shown is that of the write, at most an interval after the use; a token is
/// noted at most once a minute. Revocation is unaffected: every request still looks the token up.
/// </summary>
public sealed class ApiTokenUsage : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);

    readonly IServiceScopeFactory scopes;
    readonly TimeProvider clock;
    readonly ILogger<ApiTokenUsage> logger;
    readonly Lock gate = new();
    readonly Dictionary<Guid, DateTimeOffset> noted = [];
    HashSet<Guid> pending = [];
    readonly CancellationTokenSource stop = new();
    readonly Task writer;

    public ApiTokenUsage(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ApiTokenUsage> logger)
    {
        this.scopes = scopes;
        this.clock = clock;
        this.logger = logger;
        writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Notes a use of a token whose stored time is <paramref name="stored"/>.</summary>
    public void Used(Guid tokenId, DateTimeOffset? stored)
    {
        var now = clock.GetUtcNow();
        if (stored is { } last && now - last < Resolution)
        {
            return;
        }
        lock (gate)
        {
            if (noted.TryGetValue(tokenId, out var at) && now - at < Resolution)
            {
                return;
            }
            noted[tokenId] = now;
            pending.Add(tokenId);
        }
    }

    async Task WriteLoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                await WriteAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: DisposeAsync writes what is left.
        }
    }

    async Task WriteAsync()
    {
        List<Guid> ids;
        lock (gate)
        {
            if (pending.Count == 0)
            {
                if (noted.Count > 10_000)
                {
                    noted.Clear();
                }
                return;
            }
            ids = [.. pending];
            pending = [];
        }
        try
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("token usage");
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            var now = clock.GetUtcNow();
            await db.ApiTokens.IgnoreQueryFilters().Where(t => EF.Parameter(ids).Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Usage times are telemetry: a failed write is logged and the times are noted again at the next use.
            logger.LogWarning(e, "Could not record when {Count} API tokens were last used", ids.Count);
            lock (gate)
            {
                foreach (var id in ids)
                {
                    noted.Remove(id);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await writer;
        await WriteAsync();
        stop.Dispose();
    }
}
