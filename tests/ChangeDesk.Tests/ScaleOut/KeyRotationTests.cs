using ChangeDesk.Data;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.ScaleOut;

/// <summary>
/// The key ring saves a new key on a connection of its own, from inside whatever request first needs it: that save must
/// not wait for the transaction the request already has open (on SQLite, the database's one writer).
/// </summary>
public sealed class KeyRotationTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task ANewSigningKeyIsSavedWhileAWriteTransactionIsOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Tenants.CountAsync(ct); // the transaction has begun (on SQLite, as the writer)
        var keys = app.Services.GetRequiredService<IKeyManager>();
        var before = keys.GetAllKeys().Count;

        // Key rotation: the key ring's next key is created (and, on PostgreSQL, saved through a context of its own) by
        // whichever call first needs it, which can be one inside an announce's transaction.
        var created = Task.Run(() => keys.CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90)), ct);
        var finished = await Task.WhenAny(created, Task.Delay(TimeSpan.FromSeconds(20), ct));

        Assert.Same(created, finished);
        await created;
        Assert.Equal(before + 1, keys.GetAllKeys().Count);
        await transaction.RollbackAsync(ct);
    }
}
