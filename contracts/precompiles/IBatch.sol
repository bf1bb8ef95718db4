// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.3;

/// @dev The Batch precompile: several calls made as the caller (msg.sender of each sub-call is the
/// caller of Batch, not Batch) in one transaction. Arrays shorter than `to` mean value 0, empty call
/// data and "all gas left" (a gas limit of 0 also means all gas left). Not payable (sub-call values
/// move from the caller's own balance). Not callable by STATICCALL,
/// DELEGATECALL or CALLCODE.
address constant BATCH_ADDRESS = 0x0000000000000000000000000000000000000801;

IBatch constant BATCH = IBatch(BATCH_ADDRESS);

/// @title Batch
/// @custom:address 0x0000000000000000000000000000000000000801
interface IBatch {
    /// @dev Runs every sub-call; failed ones are reverted alone (SubcallFailed), the rest kept.
    function batchSome(
        address[] memory to,
        uint256[] memory value,
        bytes[] memory callData,
        uint64[] memory gasLimit
    ) external;

    /// @dev Runs sub-calls until one fails; the ones before it are kept.
    function batchSomeUntilFailure(
        address[] memory to,
        uint256[] memory value,
        bytes[] memory callData,
        uint64[] memory gasLimit
    ) external;

    /// @dev All or nothing: the first failing sub-call reverts the whole batch with its revert data.
    function batchAll(
        address[] memory to,
        uint256[] memory value,
        bytes[] memory callData,
        uint64[] memory gasLimit
    ) external;

    event SubcallSucceeded(uint256 index);
    event SubcallFailed(uint256 index);
}
