// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.3;

/// @dev The CallPermit precompile: a call signed off-chain (EIP-712) by `from`, submitted by anyone
/// (a gasless relayer pays the gas), runs with msg.sender == `from`.
///
/// EIP-712 domain: name "Call Permit Precompile", version "1", chainId (4242 on dev/local),
/// verifyingContract 0x0000000000000000000000000000000000000802. Typed data:
/// CallPermit(address from,address to,uint256 value,bytes data,uint64 gaslimit,uint256 nonce,uint256 deadline)
///
/// The permit's nonce is consumed as soon as its signature checks out, whether or not the call it
/// carries succeeds: a failed call cannot be replayed. `dispatch` reverts only for an invalid or
/// expired permit or too little gas; the carried call's outcome is in CallPermitDispatched.
address constant CALL_PERMIT_ADDRESS = 0x0000000000000000000000000000000000000802;

ICallPermit constant CALL_PERMIT = ICallPermit(CALL_PERMIT_ADDRESS);

/// @title Call Permit
/// @custom:address 0x0000000000000000000000000000000000000802
interface ICallPermit {
    /// @dev Runs the permitted call as `from`; returns its return data (or revert data).
    /// Reverts with "Permit expired" past `deadline` (unix seconds) and "Invalid permit" for a
    /// signature that does not recover `from` with its current nonce (including a replay).
    function dispatch(
        address from,
        address to,
        uint256 value,
        bytes memory data,
        uint64 gaslimit,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes memory output);

    /// @dev The nonce the next permit of `owner` must carry.
    function nonces(address owner) external view returns (uint256);

    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @dev Emitted for every valid permit, with the carried call's outcome.
    event CallPermitDispatched(address indexed from, uint256 nonce, bool success, bytes output);
}
