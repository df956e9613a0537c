using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// Someone with access to the database file edits the trail behind the service's back. A broken chain stays broken
/// for every later test on the same database, so each kind of tampering has a class, and so a database, of its own.
/// </summary>
static class Tampering
{
    /// <summary>A change whose title was edited and which was announced afterwards; returns the edit's audit record.</summary>
    public static async Task<(TestUser ProviderAdmin, AuditEntryView Edit)> EditedChangeAsync(ChangeDeskFactory app)
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var input = ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id) with { Title = "Pilot in the Test ring only" };
        var change = await rm.CreateChangeAsync(input);
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "Roll out to every ring" }), 200);
        await rm.ActAsync(change.Id, "announce");
        await app.ChainAuditAsync();
        Assert.True((await pa.GetJsonAsync<AuditVerification>("/api/audit/verify")).IsIntact);
        var timeline = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={change.Id}");
        var edit = timeline.Single(r => r.Operation == "Edit change" && r.EntityType == "Change");
        return (pa, edit with { Sequence = edit.Sequence!.Value });
    }

    public static Task<int> SqlAsync(ChangeDeskFactory app, string sql, params object[] parameters) =>
        app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Database.ExecuteSqlRawAsync(sql, parameters));
}

public sealed class EditedAuditRecordTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task VerifyNamesARecordWhoseContentWasEditedInTheDatabase()
    {
        var (pa, edit) = await Tampering.EditedChangeAsync(app);
        var sequence = edit.Sequence!.Value;
        var forged = edit.After!.Replace("Roll out to every ring", "Pilot in the Test ring only", StringComparison.Ordinal);

        Assert.Equal(1, await Tampering.SqlAsync(app, "UPDATE \"AuditRecords\" SET \"After\" = {0} WHERE \"Sequence\" = {1}", forged, sequence));

        var result = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.False(result.IsIntact);
        Assert.Equal(sequence, result.FirstBadSequence);
        Assert.Equal(sequence - 1, result.RecordsChecked);
        Assert.Equal($"record {sequence} was altered: its content no longer matches its hash", result.Problem);
        Assert.Null(result.HeadHash);
        var stored = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?afterSequence={sequence - 1}&top=1");
        Assert.Equal(forged, Assert.Single(stored).After);
    }
}

public sealed class DeletedAuditRecordTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task VerifyNamesARecordThatWasDeletedFromTheDatabase()
    {
        var (pa, edit) = await Tampering.EditedChangeAsync(app);
        var sequence = edit.Sequence!.Value;

        Assert.Equal(1, await Tampering.SqlAsync(app, "DELETE FROM \"AuditRecords\" WHERE \"Sequence\" = {0}", sequence));

        var result = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.False(result.IsIntact);
        Assert.Equal(sequence, result.FirstBadSequence);
        Assert.Equal($"record {sequence} is missing (found {sequence + 1} next)", result.Problem);
    }
}

public sealed class RehashedAuditRecordTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task AnEditedRecordGivenAFreshHashIsCaughtByTheRecordAfterIt()
    {
        var (pa, edit) = await Tampering.EditedChangeAsync(app);
        var sequence = edit.Sequence!.Value;
        var forged = edit.After!.Replace("Roll out to every ring", "Pilot in the Test ring only", StringComparison.Ordinal);
        var previous = (await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?afterSequence={sequence - 2}&top=1")).Single().Hash!;
        var hash = AuditChain.ComputeHash(sequence, edit.At, edit.ActorId, edit.Actor, edit.TenantId, edit.ChangeId, edit.EntityType, edit.EntityId,
            edit.Action, edit.Operation, edit.Before, forged, previous);

        Assert.Equal(1, await Tampering.SqlAsync(app, "UPDATE \"AuditRecords\" SET \"After\" = {0}, \"Hash\" = {1} WHERE \"Sequence\" = {2}", forged, hash, sequence));

        var result = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.False(result.IsIntact);
        Assert.Equal(sequence + 1, result.FirstBadSequence);
        Assert.Equal(sequence, result.RecordsChecked);
        Assert.Equal($"record {sequence + 1} does not point at the hash of record {sequence}", result.Problem);
    }
}
