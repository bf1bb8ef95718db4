// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.3;

/// @dev The Balances precompile: native DNA (18 decimals) seen as an ERC-20 token. Balances are
/// System.Account's free balances, the same number `eth_getBalance` and
/// `api.query.system.account` return. Transfers move native DNA.
address constant BALANCES_ERC20_ADDRESS = 0x0000000000000000000000000000000000000800;

IBalancesErc20 constant BALANCES_ERC20 = IBalancesErc20(BALANCES_ERC20_ADDRESS);

/// @title Native DNA as ERC-20
/// @custom:address 0x0000000000000000000000000000000000000800
interface IBalancesErc20 {
    /// @dev "Darwin".
    function name() external view returns (string memory);

    /// @dev "DNA".
    function symbol() external view returns (string memory);

    /// @dev 18.
    function decimals() external view returns (uint8);

    /// @dev Balances.TotalIssuance.
    function totalSupply() external view returns (uint256);

    /// @dev The free balance of `owner`.
    function balanceOf(address owner) external view returns (uint256);

    function allowance(address owner, address spender) external view returns (uint256);

    /// @dev Moves `value` of native DNA from the caller; emits Transfer. Not payable.
    function transfer(address to, uint256 value) external returns (bool);

    /// @dev Emits Approval. A zero value removes the allowance.
    function approve(address spender, uint256 value) external returns (bool);

    /// @dev Spends the caller's allowance from `from` (unlimited at type(uint256).max); emits Transfer.
    function transferFrom(address from, address to, uint256 value) external returns (bool);

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
}
