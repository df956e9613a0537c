using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Releases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<int>(
                name: "ChangeId",
                table: "Messages",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(int),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<Guid>(
                name: "ReleaseId",
                table: "Messages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "BlackoutWindows",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Start = table.Column<long>(type: "INTEGER", nullable: false),
                    End = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlackoutWindows", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BlackoutWindows_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Releases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    PlannedStart = table.Column<long>(type: "INTEGER", nullable: false),
                    CalendarKey = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    TargetsAllTenants = table.Column<bool>(type: "INTEGER", nullable: false),
                    MaxInstallFailurePercent = table.Column<double>(type: "REAL", nullable: true),
                    MaxReliabilityEventsPer1000 = table.Column<double>(type: "REAL", nullable: true),
                    MaxSupportRequestsPer1000 = table.Column<double>(type: "REAL", nullable: true),
                    MinDevices = table.Column<int>(type: "INTEGER", nullable: true),
                    Mitigation = table.Column<string>(type: "TEXT", nullable: true),
                    MitigationAppliedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    BlackoutOverrideReason = table.Column<string>(type: "TEXT", nullable: true),
                    BlackoutOverrideBy = table.Column<string>(type: "TEXT", nullable: true),
                    BlackoutOverrideAt = table.Column<long>(type: "INTEGER", nullable: true),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CancelledAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CancelReason = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedById = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", nullable: true),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Releases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TenantRings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Devices = table.Column<int>(type: "INTEGER", nullable: true),
                    SharePercent = table.Column<double>(type: "REAL", nullable: true),
                    DeferralDays = table.Column<int>(type: "INTEGER", nullable: false),
                    SoakDays = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TenantRings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TenantRings_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReleaseChanges",
                columns: table => new
                {
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChangeId = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReleaseChanges", x => new { x.ReleaseId, x.ChangeId });
                    table.ForeignKey(
                        name: "FK_ReleaseChanges_Changes_ChangeId",
                        column: x => x.ChangeId,
                        principalTable: "Changes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ReleaseChanges_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReleaseTargets",
                columns: table => new
                {
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReleaseTargets", x => new { x.ReleaseId, x.TenantId });
                    table.ForeignKey(
                        name: "FK_ReleaseTargets_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ReleaseTargets_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RolloutPauses",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Side = table.Column<int>(type: "INTEGER", nullable: false),
                    Cause = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    Ring = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    PausedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PausedById = table.Column<Guid>(type: "TEXT", nullable: true),
                    PausedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    LiftedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LiftedById = table.Column<Guid>(type: "TEXT", nullable: true),
                    LiftedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    LiftReason = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RolloutPauses", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RolloutPauses_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_RolloutPauses_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SignalReceipts",
                columns: table => new
                {
                    EventId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SignalReceipts", x => x.EventId);
                    table.ForeignKey(
                        name: "FK_SignalReceipts_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TenantRollouts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpeditedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ExpeditedBy = table.Column<string>(type: "TEXT", nullable: true),
                    ExpediteReason = table.Column<string>(type: "TEXT", nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ScheduleMessageId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    StartMessageId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    SummaryMessageId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    BaselineSupportRequests = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TenantRollouts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TenantRollouts_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_TenantRollouts_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RingRollouts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantRolloutId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Devices = table.Column<int>(type: "INTEGER", nullable: true),
                    SharePercent = table.Column<double>(type: "REAL", nullable: true),
                    DeferralDays = table.Column<int>(type: "INTEGER", nullable: false),
                    SoakDays = table.Column<int>(type: "INTEGER", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Expedited = table.Column<bool>(type: "INTEGER", nullable: false),
                    BaselineInstallSuccesses = table.Column<long>(type: "INTEGER", nullable: false),
                    BaselineInstallFailures = table.Column<long>(type: "INTEGER", nullable: false),
                    BaselineReliabilityEvents = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RingRollouts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RingRollouts_TenantRollouts_TenantRolloutId",
                        column: x => x.TenantRolloutId,
                        principalTable: "TenantRollouts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SignalAggregates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RingRolloutId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Ring = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Devices = table.Column<int>(type: "INTEGER", nullable: false),
                    DevicesReportedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    InstallSuccesses = table.Column<long>(type: "INTEGER", nullable: false),
                    InstallFailures = table.Column<long>(type: "INTEGER", nullable: false),
                    Crashes = table.Column<long>(type: "INTEGER", nullable: false),
                    Hangs = table.Column<long>(type: "INTEGER", nullable: false),
                    BootFailures = table.Column<long>(type: "INTEGER", nullable: false),
                    LastEventAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SignalAggregates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SignalAggregates_RingRollouts_RingRolloutId",
                        column: x => x.RingRolloutId,
                        principalTable: "RingRollouts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SignalBuckets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RingRolloutId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BucketStart = table.Column<long>(type: "INTEGER", nullable: false),
                    Devices = table.Column<int>(type: "INTEGER", nullable: true),
                    DevicesReportedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    InstallSuccesses = table.Column<long>(type: "INTEGER", nullable: false),
                    InstallFailures = table.Column<long>(type: "INTEGER", nullable: false),
                    Crashes = table.Column<long>(type: "INTEGER", nullable: false),
                    Hangs = table.Column<long>(type: "INTEGER", nullable: false),
                    BootFailures = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SignalBuckets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SignalBuckets_RingRollouts_RingRolloutId",
                        column: x => x.RingRolloutId,
                        principalTable: "RingRollouts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_ReleaseId",
                table: "Messages",
                column: "ReleaseId");

            migrationBuilder.CreateIndex(
                name: "IX_BlackoutWindows_TenantId_End",
                table: "BlackoutWindows",
                columns: new[] { "TenantId", "End" });

            migrationBuilder.CreateIndex(
                name: "IX_ReleaseChanges_ChangeId",
                table: "ReleaseChanges",
                column: "ChangeId");

            migrationBuilder.CreateIndex(
                name: "IX_Releases_CalendarKey",
                table: "Releases",
                column: "CalendarKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Releases_State_PlannedStart",
                table: "Releases",
                columns: new[] { "State", "PlannedStart" });

            migrationBuilder.CreateIndex(
                name: "IX_ReleaseTargets_TenantId",
                table: "ReleaseTargets",
                column: "TenantId");

            migrationBuilder.CreateIndex(
                name: "IX_RingRollouts_ReleaseId_TenantId",
                table: "RingRollouts",
                columns: new[] { "ReleaseId", "TenantId" });

            migrationBuilder.CreateIndex(
                name: "IX_RingRollouts_TenantRolloutId_Position",
                table: "RingRollouts",
                columns: new[] { "TenantRolloutId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RolloutPauses_ReleaseId_TenantId_LiftedAt",
                table: "RolloutPauses",
                columns: new[] { "ReleaseId", "TenantId", "LiftedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RolloutPauses_TenantId",
                table: "RolloutPauses",
                column: "TenantId");

            migrationBuilder.CreateIndex(
                name: "IX_SignalAggregates_ReleaseId_TenantId",
                table: "SignalAggregates",
                columns: new[] { "ReleaseId", "TenantId" });

            migrationBuilder.CreateIndex(
                name: "IX_SignalAggregates_RingRolloutId",
                table: "SignalAggregates",
                column: "RingRolloutId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SignalBuckets_ReleaseId_TenantId",
                table: "SignalBuckets",
                columns: new[] { "ReleaseId", "TenantId" });

            migrationBuilder.CreateIndex(
                name: "IX_SignalBuckets_RingRolloutId_BucketStart",
                table: "SignalBuckets",
                columns: new[] { "RingRolloutId", "BucketStart" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SignalReceipts_ReleaseId",
                table: "SignalReceipts",
                column: "ReleaseId");

            migrationBuilder.CreateIndex(
                name: "IX_TenantRings_TenantId_Position",
                table: "TenantRings",
                columns: new[] { "TenantId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TenantRollouts_ReleaseId_TenantId",
                table: "TenantRollouts",
                columns: new[] { "ReleaseId", "TenantId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TenantRollouts_TenantId",
                table: "TenantRollouts",
                column: "TenantId");

            migrationBuilder.AddForeignKey(
                name: "FK_Messages_Releases_ReleaseId",
                table: "Messages",
                column: "ReleaseId",
                principalTable: "Releases",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Messages_Releases_ReleaseId",
                table: "Messages");

            migrationBuilder.DropTable(
                name: "BlackoutWindows");

            migrationBuilder.DropTable(
                name: "ReleaseChanges");

            migrationBuilder.DropTable(
                name: "ReleaseTargets");

            migrationBuilder.DropTable(
                name: "RolloutPauses");

            migrationBuilder.DropTable(
                name: "SignalAggregates");

            migrationBuilder.DropTable(
                name: "SignalBuckets");

            migrationBuilder.DropTable(
                name: "SignalReceipts");

            migrationBuilder.DropTable(
                name: "TenantRings");

            migrationBuilder.DropTable(
                name: "RingRollouts");

            migrationBuilder.DropTable(
                name: "TenantRollouts");

            migrationBuilder.DropTable(
                name: "Releases");

            migrationBuilder.DropIndex(
                name: "IX_Messages_ReleaseId",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "ReleaseId",
                table: "Messages");

            migrationBuilder.AlterColumn<int>(
                name: "ChangeId",
                table: "Messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0,
                oldClrType: typeof(int),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
