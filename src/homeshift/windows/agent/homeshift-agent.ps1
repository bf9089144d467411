# homeshift-desktop-agent contract=1
<#
.SYNOPSIS
    homeshift desktop agent: applies a JSON document of desired-state resources in one run.
.DESCRIPTION
    Contract: docs/desktop-agent-contract.md (version 1). The controller sends this script and the
    document on stdin (no command-line length limit). The agent tests every resource, applies it
    unless check_mode is set, and prints exactly one line "HOMESHIFT-RESULT <json>" on stdout.
    Exit codes: 0 all resources succeeded, 1 at least one resource failed, 2 invalid document.
    Nothing secret is ever written to the result: file contents are only echoed for --diff when
    the controller asks for it (VPN profile), registry and service values are not secrets.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string]$DocumentJson
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ContractVersion = 1
$DiffTextLimit = 65536
$BytesPerGiB = 1073741824
$UninstallRoots = @(
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
    'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
)

function Get-Prop {
    param($Object, [string]$Name, $Default = $null)
    if ($null -ne $Object -and ($Object.PSObject.Properties.Name -contains $Name)) {
        return $Object.$Name
    }
    return $Default
}

function New-ResourceResult {
    param($Resource)
    return [ordered]@{
        id              = [string](Get-Prop $Resource 'id' '')
        type            = [string](Get-Prop $Resource 'type' '')
        changed         = $false
        skipped         = $false
        before          = [ordered]@{}
        after           = [ordered]@{}
        reboot_required = $false
        error           = $null
        exit_code       = $null
        retryable       = $false
    }
}

function ConvertTo-TextOrNull {
    # UTF-8 text of a small file for --diff, or $null when binary or too large.
    param([byte[]]$Bytes)
    if ($null -eq $Bytes -or $Bytes.Length -gt $DiffTextLimit) { return $null }
    try {
        $strict = New-Object System.Text.UTF8Encoding($false, $true)
        return $strict.GetString($Bytes)
    } catch {
        return $null
    }
}

# ---------------------------------------------------------------- msi_package

function Get-UninstallEntry {
    param([string]$ProductCode)
    foreach ($root in $UninstallRoots) {
        $key = Join-Path -Path $root -ChildPath $ProductCode
        if (Test-Path -LiteralPath $key) {
            return Get-ItemProperty -LiteralPath $key
        }
    }
    return $null
}

function Get-MsiLogExcerpt {
    param([string]$LogPath)
    if (-not (Test-Path -LiteralPath $LogPath)) { return $null }
    $lines = Get-Content -LiteralPath $LogPath -ErrorAction SilentlyContinue |
        Where-Object { $_ -match 'Return value 3|Error' } |
        Select-Object -Last 20
    return ($lines -join "`n")
}

function Invoke-MsiPackage {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $code = [string](Get-Prop $Resource 'product_code')
    $version = [string](Get-Prop $Resource 'version')
    $state = [string](Get-Prop $Resource 'state' 'present')
    $source = [string](Get-Prop $Resource 'source')
    $logPath = [string](Get-Prop $Resource 'log_path' "$env:windir\Temp\homeshift-msi.log")
    $arguments = @(Get-Prop $Resource 'arguments' @('/qn', '/norestart'))

    $entry = Get-UninstallEntry -ProductCode $code
    $installedVersion = if ($entry) { [string](Get-Prop $entry 'DisplayVersion') } else { $null }
    $result.before = [ordered]@{ installed = [bool]$entry; version = $installedVersion }

    $inState = if ($state -eq 'absent') { -not $entry } else { $entry -and $installedVersion -eq $version }
    if ($inState) {
        $result.after = $result.before
        return $result
    }
    $result.changed = $true
    if ($state -eq 'absent') {
        $result.after = [ordered]@{ installed = $false; version = $null }
    } else {
        $result.after = [ordered]@{ installed = $true; version = $version }
    }
    if ($CheckMode) { return $result }

    if ($state -eq 'absent') {
        $argList = @('/x', $code) + $arguments + @('/l*v', ('"{0}"' -f $logPath))
    } else {
        if (-not (Test-Path -LiteralPath $source)) {
            $result.changed = $false
            $result.after = $result.before
            $result.exit_code = 1619
            $result.error = "installer not found: $source"
            return $result
        }
        $argList = @('/i', ('"{0}"' -f $source)) + $arguments + @('/l*v', ('"{0}"' -f $logPath))
    }
    $msiexec = Join-Path -Path $env:SystemRoot -ChildPath 'System32\msiexec.exe'
    $process = Start-Process -FilePath $msiexec -ArgumentList $argList -Wait -PassThru -NoNewWindow
    $exit = [int]$process.ExitCode
    $result.exit_code = $exit
    switch ($exit) {
        0 { }
        3010 { $result.reboot_required = $true }
        1641 { $result.reboot_required = $true }
        1618 {
            $result.error = 'another installation is in progress (msiexec 1618)'
            $result.retryable = $true
        }
        1603 {
            $result.error = 'fatal error during installation (msiexec 1603)'
            $result['log_excerpt'] = Get-MsiLogExcerpt -LogPath $logPath
        }
        1619 { $result.error = "installation package could not be opened (msiexec 1619): $source" }
        default { $result.error = "msiexec exited with $exit" }
    }
    if ($result.error) {
        $result.changed = $false
        $result.after = $result.before
        return $result
    }
    $entry = Get-UninstallEntry -ProductCode $code
    $result.after = [ordered]@{
        installed = [bool]$entry
        version   = if ($entry) { [string](Get-Prop $entry 'DisplayVersion') } else { $null }
    }
    return $result
}

# ----------------------------------------------------------------------- file

function Invoke-FileResource {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $path = [string](Get-Prop $Resource 'path')
    $state = [string](Get-Prop $Resource 'state' 'present')
    $exists = Test-Path -LiteralPath $path -PathType Leaf
    $currentHash = $null
    $currentBytes = $null
    if ($exists) {
        $currentHash = (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant()
        if ($Diff -and (Get-Item -LiteralPath $path).Length -le $DiffTextLimit) {
            $currentBytes = [System.IO.File]::ReadAllBytes($path)
        }
    }
    $result.before = [ordered]@{ exists = $exists; sha256 = $currentHash }
    if ($Diff -and $exists) { $result.before['content'] = ConvertTo-TextOrNull $currentBytes }

    if ($state -eq 'absent') {
        $result.after = [ordered]@{ exists = $false; sha256 = $null }
        if (-not $exists) { return $result }
        $result.changed = $true
        if (-not $CheckMode) { Remove-Item -LiteralPath $path -Force }
        return $result
    }

    $wantHash = ([string](Get-Prop $Resource 'sha256')).ToLowerInvariant()
    $bytes = [System.Convert]::FromBase64String([string](Get-Prop $Resource 'content_b64' ''))
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $gotHash = -join ($sha.ComputeHash($bytes) | ForEach-Object { $_.ToString('x2') })
    if ($gotHash -ne $wantHash) {
        $result.error = "content does not match its sha256 (document corrupted in transit)"
        return $result
    }
    $result.after = [ordered]@{ exists = $true; sha256 = $wantHash }
    if ($Diff) { $result.after['content'] = ConvertTo-TextOrNull $bytes }
    if ($exists -and $currentHash -eq $wantHash) { return $result }
    $result.changed = $true
    if ($CheckMode) { return $result }
    $parent = Split-Path -Path $path -Parent
    if (-not (Test-Path -LiteralPath $parent)) {
        New-Item -ItemType Directory -Path $parent -Force | Out-Null
    }
    [System.IO.File]::WriteAllBytes($path, $bytes)
    return $result
}

# -------------------------------------------------------------- registry_value

$RegistryKinds = @{
    String       = 'string'
    ExpandString = 'expandstring'
    DWord        = 'dword'
    QWord        = 'qword'
    MultiString  = 'multistring'
    Binary       = 'binary'
}
$RegistryPropertyTypes = @{
    string       = 'String'
    expandstring = 'ExpandString'
    dword        = 'DWord'
    qword        = 'QWord'
    multistring  = 'MultiString'
}

function ConvertTo-ComparableData {
    param($Data, [string]$Kind)
    switch ($Kind) {
        'dword' { return [string][System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int64]$Data), 0) }
        'qword' { return [string][uint64]$Data }
        'multistring' { return (@($Data) -join "`n") }
        default { return [string]$Data }
    }
}

function Invoke-RegistryValue {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $path = [string](Get-Prop $Resource 'path')
    $name = [string](Get-Prop $Resource 'name')
    $kind = [string](Get-Prop $Resource 'value_type')
    $data = Get-Prop $Resource 'data'
    $state = [string](Get-Prop $Resource 'state' 'present')
    if ($path -match '^HKU:' -and -not (Get-PSDrive -Name HKU -ErrorAction SilentlyContinue)) {
        New-PSDrive -Name HKU -PSProvider Registry -Root HKEY_USERS | Out-Null
    }

    $exists = $false
    $currentKind = $null
    $currentData = $null
    $key = Get-Item -LiteralPath $path -ErrorAction SilentlyContinue
    if ($key -and ($key.GetValueNames() -contains $name)) {
        $exists = $true
        $currentKind = $RegistryKinds[[string]$key.GetValueKind($name)]
        $raw = $key.GetValue($name, $null, 'DoNotExpandEnvironmentNames')
        if ($currentKind -eq 'dword') {
            $currentData = [System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int32]$raw), 0)
        } else {
            $currentData = $raw
        }
    }
    $result.before = [ordered]@{ exists = $exists; value_type = $currentKind; data = $currentData }

    if ($state -eq 'absent') {
        $result.after = [ordered]@{ exists = $false; value_type = $null; data = $null }
        if (-not $exists) { return $result }
        $result.changed = $true
        if (-not $CheckMode) { Remove-ItemProperty -LiteralPath $path -Name $name -Force }
        return $result
    }

    $result.after = [ordered]@{ exists = $true; value_type = $kind; data = $data }
    $same = $exists -and $currentKind -eq $kind -and
        ((ConvertTo-ComparableData $currentData $kind) -eq (ConvertTo-ComparableData $data $kind))
    if ($same) { return $result }
    $result.changed = $true
    if ($CheckMode) { return $result }

    if (-not (Test-Path -LiteralPath $path)) {
        New-Item -Path $path -Force | Out-Null
    }
    $value = $data
    if ($kind -eq 'dword') {
        $value = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$data), 0)
    } elseif ($kind -eq 'qword') {
        $value = [System.BitConverter]::ToInt64([System.BitConverter]::GetBytes([uint64]$data), 0)
    } elseif ($kind -eq 'multistring') {
        $value = [string[]]@($data)
    }
    New-ItemProperty -LiteralPath $path -Name $name -PropertyType $RegistryPropertyTypes[$kind] -Value $value -Force | Out-Null
    return $result
}

# --------------------------------------------------------------------- service

function Get-ServiceStartMode {
    param([string]$Name)
    $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$Name"
    $props = Get-ItemProperty -LiteralPath $key
    $start = [int](Get-Prop $props 'Start' 3)
    $delayed = [int](Get-Prop $props 'DelayedAutostart' 0)
    switch ($start) {
        2 { if ($delayed -eq 1) { return 'delayed' } else { return 'auto' } }
        3 { return 'manual' }
        4 { return 'disabled' }
        default { return 'manual' }
    }
}

function Invoke-ServiceResource {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $name = [string](Get-Prop $Resource 'name')
    $wantState = [string](Get-Prop $Resource 'state' 'running')
    $wantMode = [string](Get-Prop $Resource 'start_mode' 'auto')
    $service = Get-Service -Name $name -ErrorAction SilentlyContinue
    if (-not $service) {
        $result.error = "service $name is not installed"
        return $result
    }
    $state = if ($service.Status -eq 'Running') { 'running' } else { 'stopped' }
    $mode = Get-ServiceStartMode -Name $name
    $result.before = [ordered]@{ state = $state; start_mode = $mode }
    $result.after = [ordered]@{ state = $wantState; start_mode = $wantMode }
    if ($state -eq $wantState -and $mode -eq $wantMode) { return $result }
    $result.changed = $true
    if ($CheckMode) { return $result }

    if ($mode -ne $wantMode) {
        if ($wantMode -eq 'delayed') {
            & sc.exe config $name start= delayed-auto | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "sc.exe config $name start= delayed-auto exited with $LASTEXITCODE" }
        } else {
            $startup = @{ auto = 'Automatic'; manual = 'Manual'; disabled = 'Disabled' }[$wantMode]
            Set-Service -Name $name -StartupType $startup
        }
    }
    if ($state -ne $wantState) {
        if ($wantState -eq 'running') { Start-Service -Name $name } else { Stop-Service -Name $name -Force }
    }
    return $result
}

# --------------------------------------------------------------- power_setting

function Get-PowerSettingIndex {
    # powercfg prints localised labels; the AC then DC indexes are the last two hex values.
    param([string]$Subgroup, [string]$Setting)
    $output = & powercfg.exe /query SCHEME_CURRENT $Subgroup $Setting
    if ($LASTEXITCODE -ne 0) { throw "powercfg /query SCHEME_CURRENT $Subgroup $Setting exited with $LASTEXITCODE" }
    $values = @($output | ForEach-Object {
            if ($_ -match ':\s*0x([0-9a-fA-F]+)\s*$') { [System.Convert]::ToUInt32($Matches[1], 16) }
        })
    if ($values.Count -lt 2) { throw "powercfg printed no AC/DC index for $Subgroup $Setting" }
    return @{ ac = $values[$values.Count - 2]; dc = $values[$values.Count - 1] }
}

function Invoke-PowerSetting {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $subgroup = [string](Get-Prop $Resource 'subgroup')
    $setting = [string](Get-Prop $Resource 'setting')
    $ac = [uint32](Get-Prop $Resource 'ac')
    $dc = [uint32](Get-Prop $Resource 'dc')
    $current = Get-PowerSettingIndex -Subgroup $subgroup -Setting $setting
    $result.before = [ordered]@{ ac = $current.ac; dc = $current.dc }
    $result.after = [ordered]@{ ac = $ac; dc = $dc }
    if ($current.ac -eq $ac -and $current.dc -eq $dc) { return $result }
    $result.changed = $true
    if ($CheckMode) { return $result }
    & powercfg.exe /setacvalueindex SCHEME_CURRENT $subgroup $setting $ac
    if ($LASTEXITCODE -ne 0) { throw "powercfg /setacvalueindex exited with $LASTEXITCODE" }
    & powercfg.exe /setdcvalueindex SCHEME_CURRENT $subgroup $setting $dc
    if ($LASTEXITCODE -ne 0) { throw "powercfg /setdcvalueindex exited with $LASTEXITCODE" }
    & powercfg.exe /setactive SCHEME_CURRENT
    if ($LASTEXITCODE -ne 0) { throw "powercfg /setactive exited with $LASTEXITCODE" }
    return $result
}

# ------------------------------------------------------------------- bitlocker

function Invoke-BitLockerResource {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $mountPoint = [string](Get-Prop $Resource 'mount_point' 'C:')
    $method = [string](Get-Prop $Resource 'encryption_method' 'XtsAes256')
    $volume = Get-BitLockerVolume -MountPoint $mountPoint
    $result.before = [ordered]@{
        protection_status = [string]$volume.ProtectionStatus
        volume_status     = [string]$volume.VolumeStatus
    }
    # Encryption started by an earlier run continues in the background: that is converging.
    if ([string]$volume.ProtectionStatus -eq 'On' -or [string]$volume.VolumeStatus -eq 'EncryptionInProgress') {
        $result.after = $result.before
        return $result
    }
    $result.changed = $true
    $result.after = [ordered]@{ protection_status = 'On'; volume_status = 'EncryptionInProgress' }
    if ($CheckMode) { return $result }
    Enable-BitLocker -MountPoint $mountPoint -EncryptionMethod $method -UsedSpaceOnly -TpmProtector | Out-Null
    $volume = Get-BitLockerVolume -MountPoint $mountPoint
    $result.after = [ordered]@{
        protection_status = [string]$volume.ProtectionStatus
        volume_status     = [string]$volume.VolumeStatus
    }
    return $result
}

# ------------------------------------------------------------------ compliance

function Get-AdapterKind {
    param($Adapter)
    $medium = [string](Get-Prop $Adapter 'PhysicalMediaType' '')
    if ($medium -match '802\.11|Wireless') { return 'wireless' }
    return 'wired'
}

function Invoke-ComplianceCheck {
    param($Resource, [bool]$CheckMode, [bool]$Diff)
    $result = New-ResourceResult $Resource
    $check = [string](Get-Prop $Resource 'check')
    $compliant = $false
    $observed = $null
    switch ($check) {
        'os_build_min' {
            $observed = [int](Get-CimInstance -ClassName Win32_OperatingSystem).BuildNumber
            $compliant = $observed -ge [int](Get-Prop $Resource 'build')
        }
        'free_disk_gb_min' {
            $drive = [string](Get-Prop $Resource 'drive' 'C:')
            $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter ("DeviceID='{0}'" -f $drive)
            $observed = if ($disk) { [math]::Round($disk.FreeSpace / $BytesPerGiB, 1) } else { 0 }
            $compliant = $observed -ge [double](Get-Prop $Resource 'gb')
        }
        'tpm_present' {
            $tpm = Get-Tpm
            $observed = [bool]$tpm.TpmPresent
            $compliant = $observed
        }
        'bitlocker_protected' {
            $volume = Get-BitLockerVolume -MountPoint ([string](Get-Prop $Resource 'mount_point' 'C:'))
            $observed = [string]$volume.ProtectionStatus
            $compliant = $observed -eq 'On'
        }
        'network_adapter' {
            $kind = [string](Get-Prop $Resource 'kind' 'wired')
            $observed = @(Get-NetAdapter -Physical | Where-Object { (Get-AdapterKind $_) -eq $kind } |
                    ForEach-Object { [string]$_.Name })
            $compliant = $observed.Count -gt 0
        }
        default { throw "unknown compliance check $check" }
    }
    $result['compliant'] = [bool]$compliant
    $result['observed'] = $observed
    return $result
}

# ----------------------------------------------------------------------- facts

function Get-DesktopFacts {
    $facts = [ordered]@{ hostname = $env:COMPUTERNAME }
    try { $facts.domain = [string](Get-CimInstance -ClassName Win32_ComputerSystem).Domain } catch { $facts.domain = $null }
    try {
        $os = Get-CimInstance -ClassName Win32_OperatingSystem
        $current = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
        $facts.os = [ordered]@{
            caption = [string]$os.Caption
            edition = [string](Get-Prop $current 'EditionID')
            build   = [int]$os.BuildNumber
            version = [string](Get-Prop $current 'DisplayVersion')
        }
    } catch { $facts.os = $null }
    try {
        $facts.disks = @(Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3' | ForEach-Object {
                [ordered]@{
                    drive   = [string]$_.DeviceID
                    size_gb = [math]::Round($_.Size / $BytesPerGiB, 1)
                    free_gb = [math]::Round($_.FreeSpace / $BytesPerGiB, 1)
                }
            })
    } catch { $facts.disks = @() }
    try {
        $facts.adapters = @(Get-NetAdapter -Physical | ForEach-Object {
                [ordered]@{ name = [string]$_.Name; kind = (Get-AdapterKind $_); status = [string]$_.Status }
            })
    } catch { $facts.adapters = @() }
    try {
        $tpm = Get-Tpm
        $facts.tpm = [ordered]@{ present = [bool]$tpm.TpmPresent; ready = [bool]$tpm.TpmReady; version = $null }
    } catch { $facts.tpm = [ordered]@{ present = $false; ready = $false; version = $null } }
    try {
        $facts.bitlocker = @(Get-BitLockerVolume | ForEach-Object {
                [ordered]@{
                    mount_point           = [string]$_.MountPoint
                    protection_status     = [string]$_.ProtectionStatus
                    volume_status         = [string]$_.VolumeStatus
                    encryption_percentage = [int]$_.EncryptionPercentage
                }
            })
    } catch { $facts.bitlocker = @() }
    $products = @()
    foreach ($root in $UninstallRoots) {
        if (-not (Test-Path -LiteralPath $root)) { continue }
        foreach ($key in Get-ChildItem -LiteralPath $root) {
            $props = Get-ItemProperty -LiteralPath $key.PSPath
            $displayName = [string](Get-Prop $props 'DisplayName' '')
            if ($displayName -like 'Cisco*') {
                $products += [ordered]@{
                    product_code    = $key.PSChildName
                    display_name    = $displayName
                    display_version = [string](Get-Prop $props 'DisplayVersion' '')
                }
            }
        }
    }
    $facts.products = $products
    $facts.services = @(Get-Service -Name 'vpnagent', 'csc_vpnagent' -ErrorAction SilentlyContinue | ForEach-Object {
            [ordered]@{
                name       = [string]$_.Name
                state      = if ($_.Status -eq 'Running') { 'running' } else { 'stopped' }
                start_mode = (Get-ServiceStartMode -Name $_.Name)
            }
        })
    $facts.pending_reboot = (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') -or
        (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired')
    try {
        $winlogon = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
        $facts.cached_logons_count = [string](Get-Prop $winlogon 'CachedLogonsCount' '10')
    } catch { $facts.cached_logons_count = $null }
    return $facts
}

# ------------------------------------------------------------------------ main

$Handlers = @{
    msi_package    = 'Invoke-MsiPackage'
    file           = 'Invoke-FileResource'
    registry_value = 'Invoke-RegistryValue'
    service        = 'Invoke-ServiceResource'
    power_setting  = 'Invoke-PowerSetting'
    bitlocker      = 'Invoke-BitLockerResource'
    compliance     = 'Invoke-ComplianceCheck'
}

function Write-AgentResult {
    param($Result, [int]$ExitCode)
    $json = ConvertTo-Json -InputObject $Result -Depth 12 -Compress
    [Console]::Out.WriteLine('HOMESHIFT-RESULT ' + $json)
    [Console]::Out.Flush()
    exit $ExitCode
}

$agentResult = [ordered]@{
    contract        = $ContractVersion
    hostname        = $env:COMPUTERNAME
    check_mode      = $false
    changed         = $false
    reboot_required = $false
    failed          = $false
    document_error  = $null
    results         = @()
    facts           = [ordered]@{}
}

try {
    $document = ConvertFrom-Json -InputObject $DocumentJson
} catch {
    $agentResult.failed = $true
    $agentResult.document_error = "document is not JSON: $($_.Exception.Message)"
    Write-AgentResult -Result $agentResult -ExitCode 2
}

$problem = $null
if ([int](Get-Prop $document 'contract' 0) -ne $ContractVersion) {
    $problem = "document contract $(Get-Prop $document 'contract') is not $ContractVersion"
}
$resources = @(Get-Prop $document 'resources' @())
$seen = @{}
foreach ($resource in $resources) {
    if ($problem) { break }
    $id = [string](Get-Prop $resource 'id' '')
    $type = [string](Get-Prop $resource 'type' '')
    if (-not $id) { $problem = 'a resource has no id' }
    elseif ($seen.ContainsKey($id)) { $problem = "resource id $id is used twice" }
    elseif (-not $Handlers.ContainsKey($type)) { $problem = "resource $id has unknown type $type" }
    $seen[$id] = $true
}
if ($problem) {
    $agentResult.failed = $true
    $agentResult.document_error = $problem
    Write-AgentResult -Result $agentResult -ExitCode 2
}

$checkMode = [bool](Get-Prop $document 'check_mode' $false)
$diff = [bool](Get-Prop $document 'diff' $false)
$agentResult.check_mode = $checkMode
$results = New-Object System.Collections.ArrayList
$stopping = $false
foreach ($resource in $resources) {
    if ($stopping) {
        $skipped = New-ResourceResult $resource
        $skipped.skipped = $true
        [void]$results.Add($skipped)
        continue
    }
    try {
        $outcome = & $Handlers[[string]$resource.type] -Resource $resource -CheckMode $checkMode -Diff $diff
    } catch {
        $outcome = New-ResourceResult $resource
        $outcome.error = $_.Exception.Message
    }
    [void]$results.Add($outcome)
    if ($outcome.error -and [bool](Get-Prop $resource 'stop_on_error' $false)) { $stopping = $true }
}

$agentResult.results = @($results)
$agentResult.changed = [bool]@($results | Where-Object { $_.changed }).Count
$agentResult.reboot_required = [bool]@($results | Where-Object { $_.reboot_required }).Count
$agentResult.failed = [bool]@($results | Where-Object { $_.error }).Count
if ([bool](Get-Prop $document 'gather_facts' $false)) {
    $agentResult.facts = Get-DesktopFacts
}
$exitCode = if ($agentResult.failed) { 1 } else { 0 }
Write-AgentResult -Result $agentResult -ExitCode $exitCode
