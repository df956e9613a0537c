using ChangeDesk.Data;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Upgrading a database whose tenants have extra addresses from before confirmation existed.</summary>
public sealed class ExtraAddressUpgradeTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task AddressesThatExistedBeforeConfirmationStayConfirmedSoNobodyLosesMailSilently()
    {
        var tenant = await app.TenantAsync(1);
        var address = await tenant.Admin.AddAddressAsync();
        Assert.Equal(AddressStatus.Pending, Assert.Single(await tenant.Admin.AddressesAsync()).Status);

        // Back to the schema before confirmation (the address then is one of that time), and up again.
        await app.AsSystemAsync(async s =>
        {
            var db = s.GetRequiredService<ChangeDeskDb>();
            var migrations = db.Database.GetMigrations().ToList();
            var confirmation = migrations.FindIndex(m => m.EndsWith("_ExtraAddressConfirmation", StringComparison.Ordinal));
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(migrations[confirmation - 1]);
            await migrator.MigrateAsync();
            return true;
        });

        var upgraded = Assert.Single(await tenant.Admin.AddressesAsync());
        Assert.Equal((address, AddressStatus.Confirmed), (upgraded.Email, upgraded.Status));
        Assert.NotNull(upgraded.ConfirmedAt);
    }
}
